"""Import paths of the flat layout (before the stage packages) that stay valid.

Until version 0.1 every core module sat directly in ``harness/`` and every
plugin in ``plugins/``; third-party plugins import their names from there
(``from harness.method import Method``, ``from harness.space import Float``,
``from harness.plugins.classic import Classic``).  Each old path below names the
module it became; importing the old path gives *the same module object*, so
classes, ``isinstance`` checks and monkeypatching agree whichever path is used.
New code imports the new paths.  ``harness.data``, ``harness.features`` and
``harness.cli`` are packages now and re-export their public names themselves.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old module path -> the module it became
MOVED: dict[str, str] = {
    **{f"harness.{old}": f"harness.{new}" for old, new in {
        "arff": "data.arff", "audio": "data.audio", "digest": "data.digest", "labels": "data.labels",
        "probe": "data.probe", "targets": "data.targets",
        "normalize": "features.normalize",
        "method": "learning.method", "space": "learning.space", "nn": "learning.nn",
        "training": "learning.training", "supervision": "learning.supervision", "tuning": "learning.tuning",
        "postprocess": "learning.postprocess", "metrics": "learning.metrics",
        "protocols": "experiment.protocols", "jobs": "experiment.jobs", "preparation": "experiment.preparation",
        "pretraining": "experiment.pretraining", "auxiliary": "experiment.auxiliary",
        "store": "results.store", "provenance": "results.provenance",
        "report": "analysis.report", "stats": "analysis.stats", "significance": "analysis.significance",
        "leaderboard": "analysis.leaderboard", "figures": "analysis.figures", "reported": "analysis.reported",
        "fusion": "analysis.fusion", "fuse": "analysis.fuse",
        "runner": "execution.runner", "sweep": "execution.sweep", "executors": "execution.executors",
        "evaluation": "execution.evaluation", "status": "execution.status",
        "bench": "cli.bench",
    }.items()},
    **{f"harness.plugins.{old}": f"harness.plugins.{new}" for old, new in {
        "classic": "methods.classic", "centroid": "methods.centroid", "emobed": "methods.emobed",
        "finetune": "methods.finetune", "jdcd": "methods.jdcd", "lstm": "methods.lstm",
        "pathnet": "methods.pathnet", "pooled": "methods.pooled",
        "egemaps": "features.egemaps", "egemaps_lld": "features.egemaps_lld", "face_hog": "features.face_hog",
        "faces": "features.faces", "logmel": "features.logmel", "precomputed": "features.precomputed",
        "average_fusion": "fusion.average", "fusion_confidence": "fusion.confidence", "fusion_lr": "fusion.lr",
        "fusion_lr_ensemble": "fusion.lr_ensemble", "fusion_prior": "fusion.prior",
        "local_executor": "executors.local", "ray_executor": "executors.ray",
    }.items()},
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers an old path with the module it became (imported on first use, not before)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass  # already executed under its own name


def install() -> None:
    """Put the finder in front of the import system (once)."""
    if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedModules())
