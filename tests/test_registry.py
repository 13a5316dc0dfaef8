"""Plugin registration: built-ins, the entry-point path, duplicate names, ``harness list``."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from harness.cli.commands import main
from harness.errors import DuplicateComponent, UnknownComponent
from harness.hookspecs import ENTRY_POINT_GROUP, hookimpl
from harness.registry import KINDS, Registry, default_registry, plugin_manager

PLUGIN_SOURCE = textwrap.dedent('''
    import numpy as np
    from harness.hookspecs import hookimpl
    from harness.learning.method import Method

    class PriorMethod(Method):
        """Predicts the training-set class prior for every item."""
        name = "prior-test"
        description = "class prior of the training set (entry-point test plugin)"

        def fit(self, train, valid, report=None):
            self.prior = np.bincount(train.y, minlength=train.n_classes) / len(train)
            return {}

        def predict(self, data):
            return np.tile(self.prior, (len(data), 1))

    @hookimpl
    def harness_methods():
        return [PriorMethod]
''')


@pytest.fixture
def entry_point_plugin(tmp_path, monkeypatch):
    """A third-party package installed only through its dist-info entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "tinyplug.py").write_text(PLUGIN_SOURCE)
    info = site / "tinyplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\ntinyplug = tinyplug\n")
    monkeypatch.syspath_prepend(str(site))
    yield "tinyplug"
    sys.modules.pop("tinyplug", None)


def test_builtins_are_registered():
    reg = Registry(plugin_manager(entry_points=False))
    assert {"classic"} <= set(reg.names("methods"))
    assert {"emodb", "demo-a", "demo-b"} <= set(reg.names("corpora"))
    assert {"egemaps", "face-hog"} <= set(reg.names("features"))
    assert {"average"} <= set(reg.names("fusions"))
    for kind in KINDS:
        for component in reg.components(kind):
            assert component.description, f"{kind} {component.name} has no description"


def test_entry_point_plugin_joins_the_registry(entry_point_plugin):
    reg = Registry(plugin_manager(entry_points=True))
    assert "prior-test" in reg.names("methods")
    assert reg.components("methods")[reg.names("methods").index("prior-test")].plugin == "tinyplug"
    # without the entry-point scan the plugin is absent
    assert "prior-test" not in Registry(plugin_manager(entry_points=False)).names("methods")


def test_entry_point_plugin_runs_end_to_end(entry_point_plugin, tiny_emodb, tmp_path, capsys):
    default_registry.cache_clear()  # the CLI's registry scans entry points anew
    try:
        code = main(["run", "--method", "prior-test", "--corpus", "emodb", "--protocol", "split",
                     "--data-root", str(tiny_emodb), "--results", str(tmp_path / "res"), "--quiet"])
    finally:
        default_registry.cache_clear()
    assert code == 0
    out = capsys.readouterr().out
    assert "prior-test" in out and "split" in out


def test_duplicate_name_is_an_error_naming_both_plugins():
    from harness.plugins.methods.classic import Classic

    class Impostor(Classic):
        description = "same name"

    dup = types.SimpleNamespace(harness_methods=hookimpl(lambda: [Impostor]))
    with pytest.raises(DuplicateComponent, match="'classic' is registered twice"):
        Registry(plugin_manager(entry_points=False, extra=[dup]))


def test_unknown_name_lists_known_ones():
    reg = Registry(plugin_manager(entry_points=False))
    with pytest.raises(UnknownComponent, match="known methods: .*classic"):
        reg.method("no-such-method")


@pytest.mark.parametrize("kind", list(KINDS))
def test_harness_list_prints_name_and_description(kind, capsys):
    assert main(["list", kind]) == 0
    out = capsys.readouterr().out
    reg = Registry(plugin_manager())
    for component in reg.components(kind):
        line = next(l for l in out.splitlines() if l.startswith(component.name + " "))
        assert component.description[:30] in line
