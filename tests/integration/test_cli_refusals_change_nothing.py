"""Property: every CLI command that refuses its input leaves the data folder byte for byte
as it was (validation happens before any write; one unit of work per command).

Commands run in this process on a fresh copy of a small shop for each example. Each
generated command line is bad by construction (one argument breaks a rule, whatever random
text fills the others), so a command that accepts it is a failure too. ``viveka.lock`` is
left out of the comparison: it records which process last held the folder, not the shop's
data.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.mounts import folder_bytes
from tests.fixtures.safety_shop import shop_folder
from tests.integration.test_data_safety_cli import LOCK, cli

# Arguments never hold NUL (the OS cannot pass it) nor lone surrogates.
text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
bad_amount = st.one_of(
    st.sampled_from(
        [
            "nan",
            "NaN",
            "inf",
            "-inf",
            "-1",
            "-0.01",
            "1e400",
            "abc",
            "₹-5",
            "",
            " ",
            "1.234",
            "9" * 30,
            "--5",
            "0x10",
        ]
    ),
    text.filter(lambda t: not any(ch.isdigit() for ch in t)),
)
bad_quantity = st.sampled_from(["0", "-1", "nan", "inf", "abc", "", "1.5", "1e9", "99999999"])
bad_phone = st.one_of(
    st.sampled_from(["123", "abc", "98765 4321x", "+", "0" * 40]),
    st.text(string.ascii_letters, min_size=1, max_size=12),
)
bad_gst = st.sampled_from(["7", "-5", "100", "abc", "13%", "nan", "2.5", "4"])
bad_unit = st.sampled_from(["dozen", "box", "ltr.", "10kg"])
bad_date = st.sampled_from(["2025-13-01", "2025-02-30", "yesterday", "01/04/2025", "2025"])
bad_invoice = st.text(string.ascii_uppercase + string.digits + "/-", min_size=1, max_size=16).map(
    lambda t: "Z" + t
)  # no series starts with Z


@st.composite
def refused_command(draw: st.DrawFn) -> tuple[str, ...]:
    """A command line that must be refused, whatever the random parts are."""
    kind = draw(
        st.sampled_from(
            [
                "item-price",
                "item-gst",
                "item-unit",
                "item-code",
                "item-stock",
                "customer",
                "bill-code",
                "bill-qty",
                "bill-pay",
                "bill-discount",
                "bill-customer",
                "pay-invoice",
                "pay-amount",
                "import",
                "export",
                "backup",
                "restore",
                "verify-backup",
                "pdf",
                "order-pdf",
                "report",
                "register",
                "login",
                "sync",
            ]
        )
    )
    name, group = draw(text), draw(text)
    if kind == "item-price":
        return ("item", "add", f"--name={name}", f"--price={draw(bad_amount)}", f"--group={group}")
    if kind == "item-gst":
        return (
            "item",
            "add",
            "--name=Wiper blade",
            "--price=5",
            f"--gst={draw(bad_gst)}",
            f"--group={group}",
        )
    if kind == "item-unit":
        return (
            "item",
            "add",
            "--name=Wiper blade",
            "--price=5",
            f"--unit={draw(bad_unit)}",
            f"--group={group}",
        )
    if kind == "item-code":
        code = draw(st.sampled_from(["CARB", "PLUG", "A B", "x" * 49]))
        return (
            "item",
            "add",
            "--name=Wiper blade",
            "--price=5",
            f"--code={code}",
            f"--group={group}",
        )
    if kind == "item-stock":
        return (
            "item",
            "add",
            "--name=Wiper blade",
            "--price=5",
            f"--stock={draw(st.sampled_from(['-1', 'abc', 'nan', '1.5']))}",
            f"--group={group}",
        )
    if kind == "customer":
        return ("customer", "add", f"--phone={draw(bad_phone)}", f"--name={name}")
    if kind == "bill-code":
        code = draw(
            st.text(string.ascii_uppercase, min_size=1, max_size=8).filter(
                lambda c: c not in ("CARB", "PLUG", "OIL")
            )
        )
        return ("bill", "--item", "CARB=1", "--item", f"{code}=1", f"--note={name}")
    if kind == "bill-qty":
        return ("bill", "--item", f"CARB={draw(bad_quantity)}", f"--note={name}")
    if kind == "bill-pay":
        return ("bill", "--item", "PLUG=2", f"--pay={draw(bad_amount)}", f"--note={name}")
    if kind == "bill-discount":
        return (
            "bill",
            "--item",
            "PLUG=2",
            f"--discount={draw(st.sampled_from(['nan', '-1', '999999', 'abc']))}",
        )
    if kind == "bill-customer":
        return ("bill", f"--customer={draw(bad_phone)}", "--item", "CARB=1")
    if kind == "pay-invoice":
        return ("pay", draw(bad_invoice), "10")
    if kind == "pay-amount":
        return ("pay", "A/2526/00001", draw(bad_amount))
    if kind == "import":
        return ("import-items", "@CSV", draw(st.sampled_from(["name", "price", "row"])), name)
    if kind == "export":
        return ("export-items", draw(st.sampled_from(["@FOLDER", "@MISSING/x.csv", "@FILE/x.csv"])))
    if kind == "backup":
        return ("backup", draw(st.sampled_from(["@FOLDER", "@FILE", "@FILE/sub", "", "@DATA"])))
    if kind == "restore":
        return ("restore", draw(st.sampled_from(["@FOLDER", "@FILE", "@MISSING", "@DATA"])))
    if kind == "verify-backup":
        return ("verify-backup", draw(st.sampled_from(["@FOLDER", "@MISSING", "@DATA"])))
    if kind == "pdf":
        return ("invoice", "pdf", draw(bad_invoice), "@OUT/x.pdf")
    if kind == "order-pdf":
        return ("order", "pdf", draw(bad_invoice), "@OUT/x.pdf")
    if kind == "report":
        return (
            "report",
            draw(st.sampled_from(["daybook", "gst", "payments", "stock"])),
            f"--from={draw(bad_date)}",
        )
    if kind == "register":
        return ("register", f"--phone={draw(bad_phone)}", f"--owner={name}", f"--business={group}")
    if kind == "login":
        return ("login", f"--phone={draw(bad_phone)}")
    return ("sync", f"--remote={draw(st.sampled_from(['notaurl', 'http://x', 'mongo:/x']))}")


def bad_csv(problem: str, noise: str) -> str:
    """CSV text that the import must refuse (all or nothing: one bad row among good)."""
    noise = noise.replace('"', "").replace("\n", " ").replace("\r", " ")
    if problem == "name":
        return f'code,name,price\nG1,Good item,5\nG2,x,5\nG3,"{noise}",6\n'
    if problem == "price":
        return f'code,name,price\nG1,Good item,5\nG2,"Item {noise}",nan\n'
    return f'code,name,price,colour\nG1,"Item {noise}",5,red\n'


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("refusals") / "data"
    shop_folder(data, bills=3)
    return data


def materialise(args: tuple[str, ...], data: Path, scratch: Path, noise: str) -> list[str]:
    """Put real paths (and the bad CSV file) in place of the ``@`` markers."""
    (scratch / "folder").mkdir()
    (scratch / "folder" / "note.txt").write_text("not a backup")
    (scratch / "file").write_text("a file")
    (scratch / "out").mkdir()
    places = {
        "@FOLDER": scratch / "folder",
        "@MISSING": scratch / "missing",
        "@FILE": scratch / "file",
        "@DATA": data,
        "@OUT": scratch / "out",
    }
    result = []
    for arg in args:
        if arg == "@CSV":
            csv_file = scratch / "items.csv"
            csv_file.write_text(bad_csv(args[2], noise), encoding="utf-8")
            return [*result, str(csv_file)]
        for marker, path in places.items():
            arg = arg.replace(marker, str(path)) if arg.startswith(marker) else arg
        result.append(arg)
    return result


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=refused_command(), noise=text)
def test_a_refused_command_changes_nothing(
    template: Path, tmp_path_factory: pytest.TempPathFactory, args: tuple[str, ...], noise: str
) -> None:
    base = tmp_path_factory.mktemp("example")
    data = base / "data"
    shutil.copytree(template, data)
    scratch = base / "scratch"
    scratch.mkdir()
    argv = materialise(args, data, scratch, noise)
    before = folder_bytes(data, skip=(LOCK,))
    ran = cli(data, *argv)
    assert ran.code != 0, (argv, ran.out)
    assert "Traceback" not in ran.err, ran.err
    assert folder_bytes(data, skip=(LOCK,)) == before, argv
    shutil.rmtree(base)


def test_the_examples_really_reach_the_store(template: Path, tmp_path: Path) -> None:
    """Guard for the property: the same commands with good input do change the data (so
    'unchanged' above is not merely 'never got that far')."""
    data = tmp_path / "data"
    shutil.copytree(template, data)
    before = folder_bytes(data, skip=(LOCK,))
    good: list[tuple[str, ...]] = [
        ("item", "add", "--name=Wiper blade", "--price=5", "--group=New group"),
        ("bill", "--item", "CARB=1"),
        ("pay", "A/2526/00001", "1"),
    ]
    for args in good:
        ran: Any = cli(data, *args)
        assert ran.code == 0, (args, ran.err)
        assert folder_bytes(data, skip=(LOCK,)) != before
        before = folder_bytes(data, skip=(LOCK,))
