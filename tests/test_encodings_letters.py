"""A letter whose lower case is two characters ("İ") is judged like any other, never a crash."""

from batch_enrol.encodings import reads_as_one_language


def test_a_letter_lowering_to_two_characters_is_judged_not_raised():
    assert reads_as_one_language("İß") in (True, False)
    assert reads_as_one_language("İstanbul")
