"""The rules of the house (docs/architecture.md), read from the imports themselves."""
import ast
from typing import Iterator, Set, Tuple

from bot.settings import ROOT

# The tools' own tests (tests/tools/) may import them; no other test may.
TOOL_TESTS_DIR = "tests/tools/"


def _imports(folder: str) -> Iterator[Tuple[str, Set[str]]]:
    """(file, every module it imports, at any depth of the code), for each .py under `folder`."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        names: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        yield str(path.relative_to(ROOT)), names


def _offenders(folder: str, forbidden: Tuple[str, ...], allowed: Set[str] = frozenset()) -> list:
    return [(f, sorted(n for n in names if n.startswith(forbidden)))
            for f, names in _imports(folder) if f not in allowed and any(n.startswith(forbidden) for n in names)]


def test_nothing_that_ships_imports_the_lab():
    assert _offenders("bot", ("tools",)) == []
    assert _offenders("actions", ("tools",)) == []


def test_the_safety_layer_imports_neither_rasa_nor_the_web_app():
    assert _offenders("bot/safety", ("rasa", "bot.web", "starlette", "sanic")) == []


def test_actions_never_import_the_web_app_and_the_web_app_not_rasas_training_stack():
    assert _offenders("actions", ("bot.web",)) == []
    assert _offenders("bot/web", ("rasa.engine", "rasa.nlu", "rasa.core.policies", "rasa.model_training",
                                  "tensorflow", "bot.nlu", "bot.dialogue.safety_policy")) == []


def test_only_the_tools_own_tests_import_the_tools():
    allowed = {f for f, _ in _imports("tests") if f.startswith(TOOL_TESTS_DIR)}
    assert allowed and _offenders("tests", ("tools",), allowed=allowed) == []


def test_patches_to_rasa_live_in_one_place():
    """Assigning to an attribute of a class or module imported from Rasa, Sanic or
    jsonschema is a patch: only bot/runtime/rasa_patches/ may do it."""
    patchers = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("bot/runtime/rasa_patches/"):
            continue
        tree = ast.parse(path.read_text())
        foreign: Set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in (
                    "rasa", "sanic", "jsonschema"):
                foreign |= {alias.asname or alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                foreign |= {alias.asname or alias.name for alias in node.names
                            if alias.name.split(".")[0] in ("rasa", "sanic", "jsonschema")}
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id in foreign:
                    patchers.append(f"{rel}:{node.lineno} {target.value.id}.{target.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setattr" and node.args \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id in foreign:
                patchers.append(f"{rel}:{node.lineno} setattr({node.args[0].id}, ...)")
    assert patchers == []


def test_every_table_unknot_owns_is_defined_in_storage():
    """`sa.Table(...)` anywhere in bot/ outside bot/storage/ is a table with a second home."""
    elsewhere = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        if rel.startswith("bot/storage/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Table":
                elsewhere.append(f"{rel}:{node.lineno}")
    assert elsewhere == []
    defined = [p.name for p in (ROOT / "bot" / "storage").glob("*.py") if "Table(" in p.read_text()]
    assert {"staff_tables.py", "telegram_updates.py", "window_table.py", "safety_plan_table.py"} <= set(defined)


def test_every_table_is_listed_on_the_privacy_page():
    from bot.storage import safety_plan_table, staff_tables, window_table
    from bot.storage.telegram_updates import SqlUpdateLog

    tables = {"events", window_table.TABLE_NAME, safety_plan_table.TABLE_NAME, SqlUpdateLog.TABLE,
              *staff_tables.metadata.tables}
    page = (ROOT / "docs" / "privacy" / "storage.md").read_text()
    assert len(tables) > 10 and [t for t in sorted(tables) if f"`{t}`" not in page] == []
