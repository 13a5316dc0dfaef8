"""Cluster-centroid adaptation (Kollias & Zafeiriou-style NetA/NetB training, paper 002).

NetB is trained on labelled target-side data; its last hidden layer gives
representations ``U_m`` that k-means (k = number of classes) clusters into
centroids ``Z_i``.  NetA is trained on the source corpora with

    E_tot = λ·E_a + (1 − λ)·E_b                                   (eq. 9)
    E_a = mean (d_m^i − o_m^i)²                                    (eq. 5)
    E_b = mean (d_m^i − [1 − f(V_m^i)])²,  V_m^i = ‖Z_i − X_m‖²    (eqs. 6–8)

where ``d_m`` is the one-hot target, ``o_m`` NetA's (softmax) outputs, ``X_m``
NetA's last hidden layer, and ``f`` normalises the distances over i: ``softmax``
or ``sum`` (each divided by their sum).  The paper's best λ is 0 (its sweep:
0, .25, .5, .75, 1), the default here.  The default normalisation is ``sum``:
``softmax`` over squared distances saturates once distances are a few units
apart (1 − f is then 1 for every class but the farthest, and its gradient
vanishes), which happens with unbounded (ReLU) hidden layers; it is offered
as the paper's alternative.

Choices the paper leaves open, made here and stated:

* Networks: the classic network of :mod:`harness.plugins.methods.classic` for both
  NetB and NetA (the paper's CNN-RNN on face frames; "any encoder the harness
  offers is acceptable if stated").
* Data: NetB is trained on the labelled *adaptation* part of the target
  corpus, never on its test part (the paper trained NetB on the very EmotiW
  validation set it reported on).
* Cluster labels: k-means clusters are matched to classes one-to-one by the
  Hungarian algorithm on the cluster × class counts of NetB's training items.
* Prediction: ``λ·o + (1 − λ)·g``, ``g`` = ``1 − f(V)`` renormalised to sum 1
  (at λ = 0 the nearest-centroid scores; the paper does not say how its λ = 0
  network classifies, since its outputs then receive no training signal).
* NetA is early-stopped on the target adaptation-validation part (UAR of
  that prediction), since adaptation to the target is the point.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet, Method
from harness.learning.metrics import classification_metrics
from harness.learning.nn import to_tensor
from harness.learning.space import Categorical, Float
from harness.learning.training import fit_with_early_stopping, seed_everything
from harness.plugins.methods.classic import Classic, ClassicNet
from harness.plugins.methods.finetune import split_domains


def centroid_scores(hidden: torch.Tensor, centroids: torch.Tensor, norm: str) -> torch.Tensor:
    """``1 − f(V)`` with ``V_i = ‖Z_i − X‖²`` (eqs. 6–8): high for near centroids."""
    v = torch.cdist(hidden, centroids) ** 2
    f = torch.softmax(v, dim=1) if norm == "softmax" else v / v.sum(dim=1, keepdim=True).clamp_min(1e-12)
    return 1 - f


def centroid_loss(outputs: torch.Tensor, hidden: torch.Tensor, onehot: torch.Tensor, centroids: torch.Tensor,
                  lam: float, norm: str) -> torch.Tensor:
    """E_tot = λ·E_a + (1 − λ)·E_b (eq. 9), both mean squared errors over samples and classes."""
    e_a = ((onehot - torch.softmax(outputs, dim=1)) ** 2).mean()
    e_b = ((onehot - centroid_scores(hidden, centroids, norm)) ** 2).mean()
    return lam * e_a + (1 - lam) * e_b


def labelled_centroids(u: np.ndarray, y: np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """k-means centroids of ``u`` (k = n_classes), row i matched to class i (Hungarian)."""
    km = KMeans(n_clusters=n_classes, n_init=10, random_state=seed).fit(u)
    counts = np.zeros((n_classes, n_classes))
    np.add.at(counts, (km.labels_, y), 1)
    rows, cols = linear_sum_assignment(-counts)
    centroids = np.zeros_like(km.cluster_centers_)
    centroids[cols] = km.cluster_centers_[rows]
    return centroids


class Centroid(Method):
    name = "centroid"
    description = "NetA trained on the source towards k-means centroids of a target-trained NetB (paper 002)"
    uses_target_labels = True
    space = {
        **Classic.space,
        "lam": Float(0.0, 1.0, default=0.0),
        "normalisation": Categorical(("sum", "softmax"), default="sum"),
    }
    budgets = Classic.budgets

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        src, tgt = split_domains(train, "centroid (training side)")
        _, vtgt = split_domains(valid, "centroid (validation side)")
        netb = Classic(self.hparams, seed=self.seed, budget=self.budget)
        netb_info = netb.fit(tgt, vtgt)
        self._centroids_from(netb, tgt)
        info = self._train_neta(src, vtgt, self.settings["max_epochs"], report)
        return {"netb": netb_info, "neta": info, "best_score": info["best_score"]}

    def refit(self, train: FeatureSet, selection: dict) -> dict:
        src, tgt = split_domains(train, "centroid (refit)")
        netb = Classic(self.hparams, seed=self.seed, budget=self.budget)
        netb.refit(tgt, selection["netb"])
        self._centroids_from(netb, tgt)
        return {"neta": self._train_neta(src, None, max(1, selection["neta"]["best_epoch"]), None)}

    def _centroids_from(self, netb: Classic, tgt: FeatureSet) -> None:
        netb.net.eval()
        with torch.no_grad():
            u = netb.net.shared(netb.net.encoder(to_tensor(tgt.x))).detach().cpu().numpy()
        self.centroids = torch.as_tensor(labelled_centroids(u, tgt.y, tgt.n_classes, self.seed),
                                         dtype=torch.float32)

    def _train_neta(self, src: FeatureSet, valid: FeatureSet | None, max_epochs: int, report) -> dict:
        hp = self.hparams
        rng = seed_everything(self.seed)
        self.net = ClassicNet("vector", src.x.shape[1], src.n_classes, hp["embedding"], hp["hidden"], hp["dropout"],
                              hp["activation"])
        x = to_tensor(src.x)
        onehot = torch.nn.functional.one_hot(torch.as_tensor(src.y), src.n_classes).float()
        optimizer = torch.optim.Adam(self.net.parameters(), lr=hp["lr"], weight_decay=hp["weight_decay"])

        def batch_loss(index: np.ndarray) -> torch.Tensor:
            hidden = self.net.shared(self.net.encoder(x[index]))
            return centroid_loss(self.net.classifier(hidden), hidden, onehot[index], self.centroids,
                                 hp["lam"], hp["normalisation"])

        def validate() -> float:
            return classification_metrics(valid.y, self.predict(valid).argmax(axis=1), valid.labels)["uar"]

        return fit_with_early_stopping(self.net, optimizer, batch_loss, None if valid is None else validate,
                                       len(src), hp["batch_size"], max_epochs, self.settings["patience"], rng,
                                       report)

    def predict(self, data: FeatureSet) -> np.ndarray:
        lam = self.hparams["lam"]
        self.net.eval()
        with torch.no_grad():
            hidden = self.net.shared(self.net.encoder(to_tensor(data.x)))
            scores = centroid_scores(hidden, self.centroids, self.hparams["normalisation"])
            scores = scores / scores.sum(dim=1, keepdim=True).clamp_min(1e-12)
            out = lam * torch.softmax(self.net.classifier(hidden), dim=1) + (1 - lam) * scores
        return out.detach().cpu().numpy()


@hookimpl
def harness_methods():
    return [Centroid]
