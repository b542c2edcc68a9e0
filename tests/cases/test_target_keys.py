"""A target's normalised keys and their keyed hashes: the same subject written two ways gives
the same key, different agreements give different hashes, kinds never meet, and a target with
nothing usable is refused naming the field, in English and Spanish."""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.mx import rfc as stdnum_rfc

from vinculo.cases.target_keys import Target, TargetKey, hash_set, keyed_hash, target_keys
from vinculo.errors import InvalidFields
from vinculo.exchange.deconfliction import KEY_KINDS, AgreementKey, HashSet, matched_kinds
from vinculo.resolve.identifiers import make_curp

US_MX = AgreementKey("usa-mex-2026", b"u" * 32)
MX_GT = AgreementKey("mex-gtm-2026", b"g" * 32)

CURP = make_curp(
    given="José Luis",
    paternal="García",
    maternal="López",
    born=date(1985, 3, 7),
    sex="H",
    state="CH",
    homoclave="0",
)
PERSON_RFC = "GALJ850307AB" + stdnum_rfc.calc_check_digit("GALJ850307AB")
COMPANY_RFC = "TNO010101AB" + stdnum_rfc.calc_check_digit("TNO010101AB")
# Banxico's example CLABE (bank 032, Juárez branch 180): its check digit is 9.
CLABE = "032180000118359719"


def keys(target: Target) -> set[tuple[str, str]]:
    return {(k.kind, k.value) for k in target_keys(target)}


@pytest.mark.parametrize(
    ("nation", "written"),
    [
        ("MEX", "656 555 0142"),
        ("MEX", "(656) 555-0142"),
        ("MEX", "+52 656 555 0142"),
        ("MEX", "+52 1 656 555 0142"),
        ("MEX", "044 656 555 0142"),
        ("USA", "+52 (656) 555-0142"),
        ("USA", "011 52 656 555 0142"),
    ],
)
def test_a_mexican_phone_national_or_international_gives_one_key(nation: str, written: str) -> None:
    assert keys(Target("phone", nation, phones=(written,))) == {("phone", "6565550142")}


def test_phones_of_each_nation_are_read_in_its_region() -> None:
    # Juárez and El Paso share the ten-digit form; a national number is read by the registrar's
    # nation, and the key is the national digits resolution compares.
    assert keys(Target("phone", "USA", phones=("(915) 555-0187",))) == {("phone", "9155550187")}
    assert keys(Target("phone", "GTM", phones=("2222 3333",))) == {("phone", "22223333")}
    assert keys(Target("phone", "GTM", phones=("+502 2222 3333",))) == {("phone", "22223333")}


def test_curp_in_lower_case_with_spaces_gives_the_compact_key() -> None:
    written = " ".join(CURP[i : i + 4] for i in range(0, 18, 4)).lower()
    assert keys(Target("person", "MEX", curp=written)) == {("curp", CURP)}


def test_rfc_of_a_person_and_of_a_company() -> None:
    assert keys(Target("person", "MEX", rfc=PERSON_RFC.lower())) == {("rfc", PERSON_RFC)}
    company = keys(Target("company", "MEX", name="Transportes del Norte", rfc=COMPANY_RFC))
    assert company == {("rfc", COMPANY_RFC), ("company", "MEX:transportes del norte")}


@pytest.mark.parametrize(
    "written",
    [
        "José Luis García López",
        "JOSE LUIS GARCIA LOPEZ",
        "GARCÍA LÓPEZ, José Luis",
        "García López José Luis",
        "José Luis García-López",
    ],
)
def test_a_name_with_accents_and_two_surnames_in_either_order(written: str) -> None:
    target = Target("person", "USA", name=written, birth_date="1985-03-07")
    assert keys(target) == {
        ("person", "jose luis|garcia|lopez|1985-03-07"),
        ("person", "jose luis|garcia||1985-03-07"),
    }


def test_a_us_record_without_the_maternal_surname_still_meets_the_mexican_one() -> None:
    mexican = Target("person", "MEX", name="José Luis García López", birth_date="7 mar 1985")
    american = Target("person", "USA", name="Jose Luis Garcia", birth_date="1985-03-07")
    assert matched_kinds(hash_set(mexican, US_MX), hash_set(american, US_MX)) == {"person"}
    # Another maternal surname on both sides is another person.
    other = Target("person", "USA", name="José Luis García Pérez", birth_date="1985-03-07")
    assert keys(other) & keys(mexican) == {("person", "jose luis|garcia||1985-03-07")}
    born_else = Target("person", "USA", name="Jose Luis Garcia", birth_date="1985-03-08")
    assert matched_kinds(hash_set(mexican, US_MX), hash_set(born_else, US_MX)) == frozenset()


def test_a_birth_date_as_a_date_or_unambiguous_text() -> None:
    as_date = Target("person", "MEX", name="Ana Ruiz Soto", birth_date=date(1990, 12, 31))
    as_text = Target("person", "MEX", name="Ana Ruiz Soto", birth_date="31/12/1990")
    assert (
        keys(as_date)
        == keys(as_text)
        == {
            ("person", "ana|ruiz|soto|1990-12-31"),
            ("person", "ana|ruiz||1990-12-31"),
        }
    )


def test_a_person_with_every_identifier_yields_a_key_for_each() -> None:
    target = Target(
        "person",
        "MEX",
        name="José Luis García López",
        birth_date="1985-03-07",
        phones=("656 555 0142", "+1 915 555 0187"),
        curp=CURP,
        rfc=PERSON_RFC,
        passport="g 1234 5678",
    )
    found = target_keys(target)
    assert [k.kind for k in found] == sorted(
        ["curp", "passport", "person", "person", "phone", "phone", "rfc"]
    )
    assert TargetKey("passport", "MEX:G12345678") in found
    assert TargetKey("phone", "9155550187") in found


def test_passports_carry_their_country() -> None:
    us = keys(Target("person", "MEX", passport="123 456 789", passport_country="usa"))
    assert us == {("passport", "USA:123456789")}
    assert keys(Target("person", "USA", passport="123456789")) == us
    for written in ("United States", "Estados Unidos", "US", "EUA"):
        assert keys(Target("person", "MEX", passport="123456789", passport_country=written)) == us


def test_plates_are_folded_with_country_and_state() -> None:
    mx = Target("vehicle", "MEX", plate="abc-12-34", plate_state="Sonora")
    assert keys(mx) == {("plate", "MEX:SONORA:ABC1234")}
    us = Target("vehicle", "MEX", plate="7ABC 123", plate_country="USA", plate_state="az")
    assert keys(us) == {("plate", "USA:AZ:7ABC123")}


def test_bank_accounts_clabe_iban_and_digits() -> None:
    spaced = "032 180 00011835971 9"
    assert keys(Target("bank_account", "MEX", account=spaced)) == {("clabe", CLABE)}
    # The same eighteen digits registered in the United States are still a CLABE.
    assert keys(Target("bank_account", "USA", account=CLABE)) == {("clabe", CLABE)}
    iban = Target("bank_account", "USA", account="gb82 west 1234 5698 7654 32")
    assert keys(iban) == {("iban", "GB82WEST12345698765432")}
    assert keys(Target("bank_account", "USA", account="4433-221100")) == {("account", "4433221100")}


def test_company_names_fold_and_drop_their_legal_form() -> None:
    written = [
        "Transportes del Norte S.A. de C.V.",
        "TRANSPORTES DEL NORTE, SA DE CV",
        "Transportes Del Nórte s. a. de c. v.",
    ]
    found = {frozenset(keys(Target("company", "MEX", name=w))) for w in written}
    assert found == {frozenset({("company", "MEX:transportes del norte")})}
    # The same name in another nation is another company.
    assert keys(Target("company", "USA", name=written[0])) == {
        ("company", "USA:transportes del norte")
    }


def test_addresses_are_folded() -> None:
    one = Target("address", "MEX", address="Calle Juárez 123, Col. Centro, Hermosillo")
    two = Target("address", "MEX", address="CALLE JUAREZ 123 COL CENTRO HERMOSILLO")
    assert keys(one) == keys(two) == {("address", "MEX:calle juarez 123 col centro hermosillo")}


def test_every_key_kind_is_in_the_pointers_vocabulary() -> None:
    made = {
        k.kind
        for target in (
            Target("person", "MEX", name="Ana Ruiz Soto", birth_date="1990-12-31", curp=CURP),
            Target("person", "MEX", rfc=PERSON_RFC, passport="G12345678"),
            Target("phone", "MEX", phones=("656 555 0142",)),
            Target("vehicle", "MEX", plate="ABC1234"),
            Target("bank_account", "MEX", account=CLABE),
            Target("bank_account", "USA", account="GB82WEST12345698765432"),
            Target("bank_account", "USA", account="4433221100"),
            Target("company", "MEX", name="Transportes del Norte"),
            Target("address", "MEX", address="Calle Juárez 123"),
        )
        for k in target_keys(target)
    }
    # "operation" is a planned operation's space-time cell (cases/operation_pointers.py).
    assert made == set(KEY_KINDS) - {"operation"}


def test_the_same_target_under_two_agreements_hashes_differently() -> None:
    target = Target("phone", "MEX", phones=("656 555 0142",))
    one, two = hash_set(target, US_MX), hash_set(target, MX_GT)
    assert one.key_id == "usa-mex-2026" and two.key_id == "mex-gtm-2026"
    assert {h.hmac for h in one.hashes}.isdisjoint({h.hmac for h in two.hashes})
    # And each is stable: the other node of the agreement computes the same.
    assert hash_set(Target("phone", "USA", phones=("+52 656 555 0142",)), US_MX) == one
    assert all(len(h.hmac) == 64 for h in one.hashes)


def test_a_phone_and_a_plate_with_the_same_digits_never_match() -> None:
    digits = "6565550142"
    phone = hash_set([TargetKey("phone", digits)], US_MX)
    plate = hash_set([TargetKey("plate", digits)], US_MX)
    account = hash_set([TargetKey("account", digits)], US_MX)
    assert matched_kinds(phone, plate) == frozenset()
    assert matched_kinds(phone, account) == frozenset()
    # Without the kind in the input the three would be one HMAC: the separation is what differs.
    assert keyed_hash(TargetKey("phone", digits), US_MX) != keyed_hash(
        TargetKey("plate", digits), US_MX
    )


def test_matched_kinds_says_which_keys_two_targets_share() -> None:
    ours = hash_set(
        Target(
            "person",
            "MEX",
            name="José Luis García López",
            birth_date="1985-03-07",
            phones=("656 555 0142",),
            curp=CURP,
        ),
        US_MX,
    )
    theirs = hash_set(
        Target(
            "person",
            "USA",
            name="GARCIA LOPEZ, Jose Luis",
            birth_date="1985-03-07",
            phones=("+52 1 656 555 0142",),
        ),
        US_MX,
    )
    assert matched_kinds(ours, theirs) == {"person", "phone"}
    stranger = hash_set(Target("phone", "USA", phones=("915 555 0187",)), US_MX)
    assert matched_kinds(ours, stranger) == frozenset()


def test_hash_sets_under_different_keys_are_not_compared() -> None:
    target = Target("phone", "MEX", phones=("656 555 0142",))
    with pytest.raises(ValueError, match="different agreement keys"):
        matched_kinds(hash_set(target, US_MX), hash_set(target, MX_GT))
    assert matched_kinds(HashSet("k", frozenset()), HashSet("k", frozenset())) == frozenset()


@pytest.mark.parametrize(
    ("target", "field", "english", "spanish"),
    [
        (Target("phone", "MEX"), "phones", "no usable identifier", "ningún identificador"),
        (Target("vehicle", "MEX"), "plate", "no usable identifier", "ningún identificador"),
        (Target("bank_account", "USA"), "account", "no usable identifier", "ningún"),
        (Target("address", "MEX", address=" "), "address", "no usable identifier", "ningún"),
        (Target("company", "MEX"), "name", "no usable identifier", "ningún identificador"),
        (Target("person", "MEX"), "name", "no usable identifier", "ningún identificador"),
        (Target("person", "MEX", birth_date="1985-03-07"), "name", "no usable", "ningún"),
        (
            Target("person", "MEX", name="Ana Ruiz"),
            "birth_date",
            "only with the birth date",
            "solo con la fecha de nacimiento",
        ),
        (
            Target("person", "MEX", name="Ana Ruiz", birth_date="03/04/1985"),
            "birth_date",
            "could be swapped",
            "podrían estar invertidos",
        ),
        (
            Target("person", "MEX", name="Ana Ruiz", birth_date="1985"),
            "birth_date",
            "not a birth date",
            "no es una fecha de nacimiento",
        ),
        (
            Target("person", "MEX", name="Ana Ruiz", birth_date="2999-01-01"),
            "birth_date",
            "not a birth date",
            "no es una fecha de nacimiento",
        ),
        (
            Target("person", "MEX", name="--", birth_date="1985-03-07"),
            "name",
            "not a name",
            "no es un nombre",
        ),
        (
            Target("phone", "MEX", phones=("12",)),
            "phones",
            "not a phone number",
            "no es un número de teléfono",
        ),
        (
            Target("phone", "MEX", phones=("000 000 0000",)),
            "phones",
            "not a phone number",
            "no es un número de teléfono",
        ),
        (
            Target("person", "MEX", curp=CURP[:-1] + "X"),
            "curp",
            "not a valid CURP",
            "no es una CURP válida",
        ),
        (
            Target("person", "MEX", rfc="GALJ850332AB1"),
            "rfc",
            "not a valid RFC",
            "no es un RFC válido",
        ),
        (
            Target("person", "MEX", passport="12"),
            "passport",
            "not a passport number of MEX",
            "no es un número de pasaporte de MEX",
        ),
        (
            Target("vehicle", "MEX", plate="1234567"),
            "plate",
            "not a licence plate of MEX",
            "no es una placa de MEX",
        ),
        (
            Target("bank_account", "MEX", account="032180000118359710"),
            "account",
            "check digit",
            "dígito verificador",
        ),
        (
            Target("bank_account", "USA", account="GB00WEST12345698765432"),
            "account",
            "not a bank account number",
            "no es un número de cuenta",
        ),
        (
            Target("bank_account", "USA", account="acct 12"),
            "account",
            "not a bank account number",
            "no es un número de cuenta",
        ),
        (Target("address", "MEX", address="C 1"), "address", "too short", "demasiado corto"),
        (
            Target("phone", "MEX", curp=CURP),
            "curp",
            "does not take this field",
            "no lleva este campo",
        ),
        (
            Target("vehicle", "MEX", plate="ABC1234", passport_country="MEX"),
            "passport_country",
            "does not take this field",
            "no lleva este campo",
        ),
        (
            Target("person", "MEX", passport="123456789", passport_country="Estados"),
            "passport_country",
            "not a country: Estados",
            "no es un país: Estados",
        ),
        (
            Target("vehicle", "MEX", plate="ABC1234", plate_country="U.S.A.!"),
            "plate_country",
            "not a country",
            "no es un país",
        ),
        (Target("boat", "MEX"), "kind", "unknown kind of target boat", "tipo de objetivo"),
        (
            Target("phone", "CAN", phones=("613 555 0100",)),
            "nation",
            "unknown registering nation CAN",
            "nación que registra desconocida CAN",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_in_both_languages(
    target: Target, field: str, english: str, spanish: str
) -> None:
    with pytest.raises(InvalidFields) as caught:
        target_keys(target)
    assert caught.value.field == field
    assert field in caught.value.by_field("en")
    assert english in caught.value.render("en")
    assert spanish in caught.value.render("es")
    assert f"campo {field}" in caught.value.render("es")


def test_every_wrong_field_is_named_at_once() -> None:
    target = Target("person", "MEX", curp="nope", rfc="nope", phones=("12",))
    with pytest.raises(InvalidFields) as caught:
        target_keys(target)
    assert set(caught.value.by_field("en")) == {"curp", "rfc", "phones"}
