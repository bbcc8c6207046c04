from opportunity_ext.print_utils import is_rtl_language, wrap_ltr_runs


def test_digits_in_persian_text_are_wrapped():
	assert wrap_ltr_runs("پمپ صنعتی مدل ۲۰۰") == 'پمپ صنعتی مدل <span class="oppext-ltr">۲۰۰</span>'


def test_latin_run_with_spaces_and_punctuation_is_one_run():
	assert wrap_ltr_runs("مدل X200 Pro, نو") == 'مدل <span class="oppext-ltr">X200 Pro</span>, نو'
	assert wrap_ltr_runs("ST 6% @ 6.0") == '<span class="oppext-ltr">ST 6% @ 6.0</span>'


def test_text_is_escaped():
	assert wrap_ltr_runs("<b>") == '&lt;<span class="oppext-ltr">b</span>&gt;'
	assert wrap_ltr_runs("فقط") == "فقط"


def test_rtl_languages():
	assert is_rtl_language("fa") and is_rtl_language("ar")
	assert not is_rtl_language("th") and not is_rtl_language("en") and not is_rtl_language(None)
