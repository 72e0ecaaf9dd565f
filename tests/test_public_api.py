"""The public surface: what `from vcompanion import ...` offers, and the
generated column reference that documents it."""

from __future__ import annotations

from pathlib import Path

import vcompanion
from vcompanion.tables import TABLES
from vcompanion.tables.schema import docs_markdown

REPO = Path(__file__).resolve().parent.parent


def test_all_is_sorted_and_complete():
    assert vcompanion.__all__ == sorted(vcompanion.__all__)
    for name in vcompanion.__all__:
        assert hasattr(vcompanion, name), name


def test_every_public_exception_is_exported_with_its_exit_code():
    """errors.py holds the whole exception tree; all of it is public."""
    from vcompanion import errors
    declared = {name for name, obj in vars(errors).items()
                if isinstance(obj, type) and issubclass(obj, Exception)
                and obj.__module__ == errors.__name__}
    assert declared == set(errors.__all__)
    assert declared <= set(vcompanion.__all__)
    for name in declared:
        cls = getattr(vcompanion, name)
        assert issubclass(cls, vcompanion.VCompanionError)
        assert cls.exit_code in (1, 2, 3, 4), name
    # No exception class of the library lives outside errors.py.
    import importlib
    import pkgutil
    for info in pkgutil.walk_packages(vcompanion.__path__, "vcompanion."):
        if info.name.startswith(("vcompanion.ui", "vcompanion.cli")) \
                or info.name.endswith("__main__"):
            continue  # the front ends turn errors into pages and exit codes
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, vcompanion.VCompanionError):
                assert obj.__module__ == errors.__name__, f"{info.name}.{name}"


def test_table_reference_is_generated_from_the_declarations():
    assert (REPO / "docs" / "tables.md").read_text(encoding="utf-8") == \
        docs_markdown(list(TABLES.values())), \
        "run: vcompanion docs tables > docs/tables.md"
    assert "docs/tables.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_column_is_described():
    for table in TABLES.values():
        assert table.names[0] == "vcenter", table.name
        assert len(set(table.names)) == len(table.names), table.name
        for column in table.columns:
            assert column.description.strip(), (table.name, column.name)
