"""CURP, RFC, phones, SSN, passports, plates and birth dates, as records write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

from vinculo.resolve.identifiers import (
    BirthDate,
    curp_agrees,
    curp_name_code,
    decode_curp,
    decode_rfc,
    national_digits,
    normalise_passport,
    normalise_phone,
    normalise_plate,
    normalise_sex,
    normalise_ssn,
    parse_birth_date,
    phone_candidates,
    phone_digits,
    raw_phone_digits,
    rfc_agrees,
)
from vinculo.resolve.names import parse_name

ISSUE_CURP = "GALL850307HCHRPS05"


# --- CURP ---------------------------------------------------------------------------------


def test_the_issues_curp_is_valid_and_decodes() -> None:
    # The check digit of the issue's CURP is right: stdnum agrees.
    assert stdnum_curp.is_valid(ISSUE_CURP)
    info = decode_curp(ISSUE_CURP)
    assert info.valid and info.error is None and info.message() is None
    assert info.birth_date == date(1985, 3, 7)
    assert info.sex == "male"
    assert (info.state, info.state_name) == ("CH", "Chihuahua")
    assert info.initials == "GALL"
    assert info.consonants == "RPS"


def test_the_issues_curp_code_is_what_renapo_gives_the_name() -> None:
    # García López, José Luis: G + A, L, and L from Luis because José is skipped.
    assert curp_name_code(parse_name("José Luis García López")) == ("GALL", "RPS")
    # José alone is coded J; missing parts are "?".
    assert curp_name_code(parse_name("JOSE GARCIA")) == ("GA?J", "R?S")
    # Particles are skipped; María is skipped before a second given name.
    assert curp_name_code(parse_name("María de la Luz de la Cruz Pérez")) == ("CUPL", "RRZ")
    # A rude word gets an X in second place, as RENAPO and stdnum's list have it.
    assert curp_name_code(parse_name("Óscar Puga Tamez")) == ("PXTO", "GMS")


def test_curp_agrees_with_both_records_of_the_issue() -> None:
    info = decode_curp(ISSUE_CURP)
    mexican = curp_agrees(
        info,
        name=parse_name("José Luis García López"),
        birth_date=parse_birth_date("07/03/1985", hint="mx"),
        sex="H",
    )
    assert mexican == {
        "paternal": True,
        "maternal": True,
        "given": True,
        "name": True,
        "birth_date": True,
        "sex": True,
    }
    american = curp_agrees(
        info,
        name=parse_name("JOSE GARCIA"),
        birth_date=parse_birth_date("03/07/1985", hint="us"),
        sex="male",
    )
    # No maternal surname to check; "JOSE" alone may be José Luis: unknown, not false.
    assert american["paternal"] is True
    assert american["maternal"] is None
    assert american["given"] is None
    assert american["name"] is True
    assert american["birth_date"] is True
    assert american["sex"] is True


def test_curp_agreement_distortions() -> None:
    info = decode_curp(ISSUE_CURP)
    # Second given name used alone.
    assert curp_agrees(info, name=parse_name("Luis Garcia"))["given"] is True
    # Maternal surname taken as the only last name.
    swapped = curp_agrees(info, name=parse_name("Jose Luis Lopez"))
    assert swapped["maternal"] is True and swapped["paternal"] is None
    # Glued and hyphenated surnames.
    assert curp_agrees(info, name=parse_name("Jose Luis Garcialopez"))["name"] is True
    assert curp_agrees(info, name=parse_name("Garcia-Lopez, Jose"))["paternal"] is True
    # A plain date agrees; the day/month swap of an unambiguous date does not.
    assert curp_agrees(info, birth_date=date(1985, 3, 7))["birth_date"] is True
    assert curp_agrees(info, birth_date=date(1985, 7, 3))["birth_date"] is False
    assert curp_agrees(info, birth_date=None)["birth_date"] is None


def test_curp_disagrees_with_another_person() -> None:
    info = decode_curp(ISSUE_CURP)
    other = curp_agrees(
        info,
        name=parse_name("Pedro Antonio Ramírez Ruiz"),
        birth_date=date(1990, 1, 1),
        sex="female",
    )
    assert other["paternal"] is False
    assert other["maternal"] is False
    assert other["given"] is False
    assert other["name"] is False
    assert other["birth_date"] is False
    assert other["sex"] is False
    # A namesake with another maternal surname (a sibling's cousin, say).
    cousin = curp_agrees(info, name=parse_name("José Luis García Martínez"))
    assert cousin["paternal"] is True and cousin["maternal"] is False
    assert cousin["name"] is False


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("GALL850307HCHRPS04", "check digit"),
        ("GALL850230HCHRPS05", "not a real date"),
        ("GALL850307HZZRPS05", "unknown state"),
        ("GALL850307QCHRPS05", "sex letter"),
        ("GALL85030", "18 characters"),
        ("1234567890ABCDEFGH", "pattern"),
        ("junk", "18 characters"),
        ("", "No value"),
        (None, "No value"),
    ],
)
def test_invalid_curps_are_kept_as_written_and_never_raise(value: str | None, error: str) -> None:
    info = decode_curp(value)
    assert not info.valid
    assert info.value == (value or "")
    assert info.error is not None and error in info.error
    message = info.message("en")
    assert message is not None and "{value}" not in message
    if value:
        assert value in message
    # An invalid CURP is never evidence, for or against.
    agreement = curp_agrees(
        info, name=parse_name("José Luis García López"), birth_date=date(1985, 3, 7), sex="m"
    )
    assert set(agreement.values()) == {None}


def test_curp_messages_are_translated() -> None:
    info = decode_curp("GALL850307HCHRPS04")
    assert info.message("es") == (
        "CURP no válida GALL850307HCHRPS04: el dígito verificador no coincide"
    )
    assert decode_curp("BOXW310820HNERXN09").state_name == "Born abroad"


def test_curp_is_compacted_and_other_examples() -> None:
    info = decode_curp(" gall-850307-hchrps05 ")
    assert info.valid and info.value == ISSUE_CURP
    # stdnum's own example: Hernández García, Gloria, Veracruz.
    gloria = decode_curp("HEGG560427MVZRRL04")
    assert gloria.valid and gloria.sex == "female" and gloria.state == "VZ"
    assert curp_agrees(gloria, name=parse_name("Gloria Hernández García"))["name"] is True
    # Born in 2001: the 17th character is a letter.
    recent = "GAMM010101MDFRRRA"
    assert decode_curp(recent + stdnum_curp.calc_check_digit(recent)).birth_date == date(2001, 1, 1)
    # RENAPO's X for sex.
    neutral = "GAMM010101XDFRRRA"
    assert decode_curp(neutral + stdnum_curp.calc_check_digit(neutral)).sex == "x"


@pytest.mark.parametrize(
    ("written", "sex"),
    [("M", "male"), ("H", "male"), ("male", "male"), ("Mujer", "female"), ("F", "female")],
)
def test_normalise_sex(written: str, sex: str) -> None:
    assert normalise_sex(written) == sex


def test_a_lone_m_is_mujer_on_mexican_forms() -> None:
    assert normalise_sex("M", hint="mx") == "female"
    assert normalise_sex("H", hint="mx") == "male"
    assert normalise_sex("M", hint="us") == "male"


def test_normalise_sex_unknown() -> None:
    assert normalise_sex("") is None
    assert normalise_sex("??") is None


# --- RFC ----------------------------------------------------------------------------------


def _with_check(prefix: str) -> str:
    return prefix + stdnum_rfc.calc_check_digit(prefix)


def test_rfc_of_a_person_decodes_and_agrees() -> None:
    value = _with_check("GALL850307AB")
    info = decode_rfc(value)
    assert info.valid and info.kind == "person"
    assert info.date == date(1985, 3, 7)
    assert info.initials == "GALL"
    agreement = rfc_agrees(
        info, name=parse_name("José Luis García López"), birth_date=date(1985, 3, 7)
    )
    assert agreement["name"] is True and agreement["birth_date"] is True
    # Without a homoclave (10 characters) there is no check digit to test.
    assert decode_rfc("GALL850307").valid


def test_rfc_of_a_company() -> None:
    info = decode_rfc(_with_check("ABC010203A1"))
    assert info.valid and info.kind == "company"
    assert info.date == date(2001, 2, 3)
    assert rfc_agrees(info, name=parse_name("ABC")) == dict.fromkeys(
        ("paternal", "maternal", "given", "name", "birth_date")
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("GALL850307AB1", "check digit"),
        ("ABC010203XYA", "homoclave"),
        ("GALL851307AB1", "not a real date"),
        ("GA", "12 characters"),
        ("12345678901", "12 characters"),
        ("1234567890AB", "pattern"),
        ("", "No value"),
    ],
)
def test_invalid_rfcs(value: str, error: str) -> None:
    info = decode_rfc(value)
    assert not info.valid
    assert info.value == value
    assert info.error is not None and error in info.error
    assert rfc_agrees(info, name=parse_name("José García"))["name"] is None


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "region", "e164"),
    [
        ("+52 55 1234 5678", None, "+525512345678"),
        # Mexico's retired mobile forms.
        ("+52 1 55 1234 5678", None, "+525512345678"),
        ("+5215512345678", None, "+525512345678"),
        ("044 55 1234 5678", None, "+525512345678"),
        ("045 (614) 555-1234", None, "+526145551234"),
        ("01 55 1234 5678", None, "+525512345678"),
        ("521 55 1234 5678", None, "+525512345678"),
        # U.S. international dialling to Mexico, and Mexican dialling to the U.S.
        ("011 52 55 1234 5678", None, "+525512345678"),
        ("011-52-1-656-123-4567", None, "+526561234567"),
        ("00 1 212 555 0100", None, "+12125550100"),
        # NANP.
        ("(212) 555-0100", None, "+12125550100"),
        ("1-212-555-0100", None, "+12125550100"),
        ("+1 212 555 0100 ext. 12", None, "+12125550100"),
        # A region decides a bare 10-digit number.
        ("614 555 1234", "MEX", "+526145551234"),
        ("614 555 1234", "USA", "+16145551234"),
        ("614 555 1234", "mx", "+526145551234"),
        ("55 1234 5678", None, "+525512345678"),
    ],
)
def test_normalise_phone(written: str, region: str | None, e164: str) -> None:
    assert normalise_phone(written, region=region) == e164


def test_an_ambiguous_number_has_both_readings() -> None:
    # 614 is Chihuahua and Columbus, Ohio.
    assert set(phone_candidates("6145551234")) == {"+16145551234", "+526145551234"}


@pytest.mark.parametrize("junk", ["", None, "n/a", "12345", "000 000 0000", "+99 123", "1" * 20])
def test_phone_junk_is_none(junk: str | None) -> None:
    assert normalise_phone(junk) is None


@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("(656) 555-0142", "US"),
        ("6565550142", "MX"),
        ("65 6555 0142", "MX"),
        ("+52 656 555 0142", None),
        ("+52 1 656 555 0142", "US"),
        ("044 656 555 0142", None),
        ("011 52 1 656 555 0142", "US"),
        ("+1 656 555 0142", "MX"),
    ],
)
def test_one_line_has_the_same_national_digits_whatever_the_country(
    written: str, region: str | None
) -> None:
    assert phone_digits(written, region=region) == "6565550142"


def test_different_national_digits_stay_different() -> None:
    us = phone_digits("(915) 532-0142", region="US")
    mx = phone_digits("65 6555 0142", region="MX")
    assert us == "9155320142" and mx == "6565550142"
    assert normalise_phone("(915) 532-0142", region="US") == "+19155320142"


def test_national_digits_of_other_countries_come_from_phonenumbers() -> None:
    # Italy keeps the leading zero of its national number; Spain has nine digits.
    assert national_digits("+390612345678") == "0612345678"
    assert phone_digits("+34 912 345 678") == "912345678"


def test_a_number_phonenumbers_refuses_keeps_its_digits() -> None:
    # 099 is no area code anywhere in the NANP or Mexico.
    assert normalise_phone("(099) 555-0142", region="US") is None
    assert phone_digits("(099) 555-0142", region="US") == "0995550142"
    assert raw_phone_digits("1 (099) 555-0142") == "0995550142"
    assert raw_phone_digits("555 0142") == "5550142"


@pytest.mark.parametrize("junk", ["", None, "n/a", "12345", "000 000 0000", "+99 123", "1" * 20])
def test_phone_digits_of_junk_is_none(junk: str | None) -> None:
    assert phone_digits(junk) is None


# --- SSN, passports, plates ---------------------------------------------------------------


def test_normalise_ssn() -> None:
    assert normalise_ssn("123-45-6789") == "123456789"
    assert normalise_ssn("123 45 6789") == "123456789"
    for invalid in ("000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"):
        assert normalise_ssn(invalid) is None, invalid
    assert normalise_ssn("078-05-1120") is None  # the Woolworth wallet card
    assert normalise_ssn("12345") is None
    assert normalise_ssn("") is None


def test_normalise_passport() -> None:
    assert normalise_passport("g 1234-5678", "MEX") == "G12345678"
    assert normalise_passport("G12345678", "mx") == "G12345678"
    assert normalise_passport("12345678", "MEX") is None
    assert normalise_passport("123456789", "USA") == "123456789"
    assert normalise_passport("a1234 5678", "US") == "A12345678"
    assert normalise_passport("1234567890", "USA") is None
    assert normalise_passport("X1234567", "CAN") == "X1234567"
    assert normalise_passport("??", "CAN") is None
    assert normalise_passport("", "USA") is None


def test_normalise_plate() -> None:
    assert normalise_plate("abc-123-d", "MEX") == "ABC123D"
    assert normalise_plate("ABC 12 34", "MX") == "ABC1234"
    assert normalise_plate("ABCDEF", "MEX") is None  # no digit
    assert normalise_plate("7ABC123", "USA") == "7ABC123"
    assert normalise_plate("LUV U", "US") == "LUVU"
    assert normalise_plate("TOOLONGPLATE", "USA") is None
    assert normalise_plate("¿¿", "USA") is None


# --- birth dates --------------------------------------------------------------------------


def test_issue_dates_meet_through_the_hints() -> None:
    mexican = parse_birth_date("07/03/1985", hint="mx")
    american = parse_birth_date("03/07/1985", hint="us")
    assert mexican.date == american.date == date(1985, 3, 7)
    # Both are ambiguous: the other reading is kept for a day/month swap.
    assert mexican.ambiguous and american.ambiguous
    assert set(mexican.dates) == set(american.dates) == {date(1985, 3, 7), date(1985, 7, 3)}


@pytest.mark.parametrize(
    ("written", "hint", "dates"),
    [
        ("1985-03-07", None, (date(1985, 3, 7),)),
        ("1985-03-07T00:00:00", None, (date(1985, 3, 7),)),
        ("1985/3/7", None, (date(1985, 3, 7),)),
        ("19850307", None, (date(1985, 3, 7),)),
        ("20031985", None, (date(1985, 3, 20),)),
        ("07031985", "us", (date(1985, 7, 3), date(1985, 3, 7))),
        ("13/03/1985", "us", (date(1985, 3, 13),)),
        ("03/13/1985", "mx", (date(1985, 3, 13),)),
        ("07-03-85", "mx", (date(1985, 3, 7), date(1985, 7, 3))),
        ("07.03.1985", "us", (date(1985, 7, 3), date(1985, 3, 7))),
        ("7 mar 1985", None, (date(1985, 3, 7),)),
        ("7 de marzo de 1985", None, (date(1985, 3, 7),)),
        ("March 7, 1985", None, (date(1985, 3, 7),)),
        ("07-MAR-1985", None, (date(1985, 3, 7),)),
        ("1 ene 2001", None, (date(2001, 1, 1),)),
        ("05/05/1985", "us", (date(1985, 5, 5),)),
    ],
)
def test_parse_birth_date(written: str, hint: str | None, dates: tuple[date, ...]) -> None:
    parsed = parse_birth_date(written, hint=hint)
    assert parsed.error is None
    assert parsed.dates == dates
    assert parsed.ambiguous == (len(dates) > 1)


def test_partial_dates_keep_year_and_month() -> None:
    assert parse_birth_date("1985") == BirthDate("1985", (), 1985, None)
    assert parse_birth_date("1985-03") == BirthDate("1985-03", (), 1985, 3)
    assert parse_birth_date("1985-03").valid
    assert parse_birth_date("1985-13").error is not None


@pytest.mark.parametrize(
    ("written", "error"),
    [
        ("1985-02-30", "Not a valid date: 1985-02-30"),
        ("31/02/1985", "Not a valid date: 31/02/1985"),
        ("yesterday", "Not a valid date: yesterday"),
        ("2999-01-01", "Birth date in the future: 2999-01-01"),
        ("1700-01-01", "Birth date before 1880: 1700-01-01"),
        ("", "No value given"),
    ],
)
def test_bad_dates_name_the_value(written: str, error: str) -> None:
    parsed = parse_birth_date(written)
    assert not parsed.valid
    assert parsed.dates == ()
    assert parsed.message("en") == error


def test_bad_date_message_in_spanish() -> None:
    assert parse_birth_date("1985-02-30").message("es") == "No es una fecha válida: 1985-02-30"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from([None, "mx", "us", "ZZ"]))
def test_identifier_readers_never_raise_on_junk(text: str, region: str | None) -> None:
    assert decode_curp(text).valid in (True, False)
    assert decode_rfc(text).valid in (True, False)
    parsed = parse_birth_date(text, hint=region)
    assert parsed.valid == (
        parsed.error is None and (bool(parsed.dates) or parsed.year is not None)
    )
    for phone in phone_candidates(text, region=region):
        assert phone.startswith("+")
    normalise_ssn(text)
    normalise_passport(text, region)
    normalise_plate(text, region)
    normalise_sex(text, hint=region)
