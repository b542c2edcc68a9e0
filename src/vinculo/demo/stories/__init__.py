"""The demo's stories: what happened (a seizure, a lab, a wire transfer ...), told in English and
Spanish, with the entities each report asserts. A story draws its people and things from the
world and its words from demo/data/."""
