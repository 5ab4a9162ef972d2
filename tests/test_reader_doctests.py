"""The examples in the reader passes' docstrings run as tests: each shows what its pass does to one sentence."""

import doctest

import pytest
from flowaudit.loaders import data_types, frames, parse, polarity, practice


@pytest.mark.parametrize("module", [parse, frames, polarity, practice, data_types],
                         ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted and not result.failed
