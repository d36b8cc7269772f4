"""`make run PORT=8001` prints the addresses at port 8001, not 8000: the summary of seed_demo
uses the port it is given (Makefile: `seed_demo --port $(PORT)`, else $PORT)."""

import re

from config.demo import TERRITORIES, DemoLogin, DemoWorld, render_summary
from config.management.commands.seed_demo import Command

WORLD = DemoWorld(
    sites=tuple((t.site_name, t.hostname) for t in TERRITORIES),
    logins=(DemoLogin("Parent", "claire.martin@example.org", "Espace des familles"),),
)


def test_every_address_of_the_summary_carries_the_port_given():
    summary = render_summary(WORLD, port=8001)

    urls = re.findall(r"http://\S+", summary)
    assert len(urls) == len(TERRITORIES) + 5
    assert all(":8001/" in url for url in urls), urls
    assert ":8000" not in summary


def test_the_summary_defaults_to_port_8000():
    assert "http://127.0.0.1:8000/connexion/" in render_summary(WORLD)


def test_the_command_takes_its_port_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("PORT", "8042")
    parser = Command().create_parser("manage.py", "seed_demo")

    assert parser.parse_args([]).port == 8042
    assert parser.parse_args(["--port", "9000"]).port == 9000
