"""How `make test` shares the tests between its processes (tests/conftest.py `work_units`)."""

from tests.conftest import work_units


def test_the_browser_tests_are_one_unit_whatever_their_module():
    units = work_units(["tests/e2e/test_a.py::test_one", "tests/e2e/test_b.py::test_two[360x740]"])

    assert set(units.values()) == {"tests/e2e/"}


def test_a_module_is_one_unit_while_its_tests_follow_each_other():
    units = work_units(["tests/unit/test_a.py::test_one", "tests/unit/test_a.py::test_two"])

    assert units == {
        "tests/unit/test_a.py::test_one": "tests/unit/test_a.py#1",
        "tests/unit/test_a.py::test_two": "tests/unit/test_a.py#1",
    }


def test_a_module_whose_transactional_tests_run_later_is_two_units():
    order = [
        "tests/functional/test_a.py::test_ordinary",
        "tests/functional/test_b.py::test_ordinary",
        "tests/functional/test_a.py::test_transactional",
    ]

    units = work_units(order)

    assert [units[nodeid] for nodeid in order] == [
        "tests/functional/test_a.py#1",
        "tests/functional/test_b.py#1",
        "tests/functional/test_a.py#2",
    ]
