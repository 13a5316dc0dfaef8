#!/usr/bin/env bash
# The runs behind the published leaderboards, in order.  Run from the repository
# root with the corpora under DATA (EMO-DB, SAVEE and URDU in their native layouts).
# Each results store holds every job with its per-item predictions; `harness leaderboard`
# renders the pages from it alone.  The stores are kept in the repository compressed
# (results.sqlite.gz, written at the end by `harness export`; the main one, 6.5 MiB, is
# published beside the pages rather than in the repository); an existing one is unpacked
# first, so that only new jobs run (a job produced by other code runs again: job ids cover
# the code).
# Defaults are inductive (--norm global: training statistics only); the rows with
# --norm speaker (or corpus without an adaptation part) are transductive and marked so.
set -euo pipefail
DATA="${1:-../shared/corpora}"
REAL=(--corpus emodb --corpus savee --corpus urdu --data-root "$DATA")
NO_TARGET=(--method classic --method svm --method logreg)
UNSUPERVISED=(--method dann --method coral --method mmd --method coral-features)
SUPERVISED=(--method pooled --method finetune --method centroid)
unpack() { if [ -f "$1/results.sqlite.gz" ] && [ ! -f "$1/results/results.sqlite" ]; then
    mkdir -p "$1/results" && gunzip -c "$1/results.sqlite.gz" > "$1/results/results.sqlite"; fi; }

# ---- main pages: within-corpus and cross-corpus, every family ---------------------------------
R=leaderboards/results
unpack leaderboards
run() { harness run --results "$R" --seeds 3 --quiet "$@" > /dev/null; }

# synthetic demo corpora (generated, marked †)
run --method classic --corpus demo-a --corpus demo-b --protocol within --protocol loso
run --method emobed --method emobed-joint --method emobed-triplet --corpus demo-a --corpus demo-b --protocol within
run "${NO_TARGET[@]}" "${UNSUPERVISED[@]}" "${SUPERVISED[@]}" --protocol cross --corpus demo-a --corpus demo-b

# real corpora, within-corpus (speaker-independent), inductive
run "${NO_TARGET[@]}" "${REAL[@]}" --protocol within --protocol loso
run "${NO_TARGET[@]}" --corpus emodb --protocol split --data-root "$DATA"
# the crossmodal claim on real data: EMO-DB audio, CK+48 faces as the unpaired auxiliary modality
# (paper 004's EmoBed; the labels both corpora have)
run --method classic --method emobed --method emobed-joint --method emobed-triplet --corpus emodb \
    --aux-corpus ckplus --aux-modality visual --data-root "$DATA"
# and the faces alone
run --method classic --corpus ckplus --modality visual --data-root "$DATA"
# the transductive per-speaker rows published before (labelled as such)
run --method classic --corpus emodb --corpus savee --protocol loso --norm speaker --data-root "$DATA"
run --method classic --corpus emodb --protocol split --norm speaker --data-root "$DATA"

# cross-corpus: every ordered pair of the real corpora, the three families on the same test
# speakers (the target split into an adaptation part -- labelled for the supervised family,
# unlabelled for the unsupervised one -- and a test part), with within-corpus references
run "${NO_TARGET[@]}" "${UNSUPERVISED[@]}" "${SUPERVISED[@]}" --protocol cross "${REAL[@]}"
# the simplest unsupervised adaptation: target statistics from its unlabelled adaptation part
run "${NO_TARGET[@]}" "${UNSUPERVISED[@]}" --protocol cross-adapt --norm corpus --no-reference "${REAL[@]}"
# nkululeko's setting (per-speaker statistics, transductive), the whole target tested
run --method classic --method svm --protocol cross --norm speaker --no-reference "${REAL[@]}"
# unsupervised adaptation on the test items themselves (transductive), beside the same baselines
run --method classic --method svm "${UNSUPERVISED[@]}" --protocol cross-transductive --norm speaker --no-reference \
    "${REAL[@]}"
# multi-source: pooled-source ERM (classic on A+B) against GroupDRO over the sources
run --method classic --method groupdro --protocol multi --no-reference "${REAL[@]}"

harness leaderboard --results "$R" --out leaderboards --metric uar
# the publication copy: every job and its test predictions (what the pages read), posteriors
# to 4 decimals; the validation parts (for fusion only) stay in the working store
harness export --results "$R" --out leaderboards/results.sqlite.gz

# ---- the staged transfer methods and decision-level fusion (papers 000, 001, 003) ----------
# their own store and pages under leaderboards/transfer/ (log-mel segments: statistics per
# mel band and channel; one seed where a run takes minutes per fold on 2 CPU cores)
R=leaderboards/transfer/results
unpack leaderboards/transfer
# the six emotions papers 000 and 001 recognise (EMO-DB has no surprise: five of them there)
PAPER6=anger,disgust,fear,happiness,sadness,surprise
run --seeds 1 --method lstm --corpus demo-a --modality audio --features audio=egemaps-lld \
    --hp lstm.frame_pool=5 --hp lstm.readout=mean
run --seeds 1 --method lstm --corpus demo-a --modality visual --features visual=face-hog-seq
for fusion in average lr confidence prior lr-confidence lr-prior; do
    harness fuse --results "$R" --fusion "$fusion" --group lstm@audio --group lstm@visual > /dev/null
done
run --method pathnet --method pathnet-transfer --method pathnet-target --protocol cross-adapt \
    --source demo-a --target demo-b --no-reference
run --seeds 1 --method pathnet --corpus emodb --protocol loso --features audio=logmel --data-root "$DATA"
# the figures the reproduction page sets beside the papers' first, then the transfer runs
run --seeds 1 --method pathnet --corpus emodb --protocol loso --labels "$PAPER6" --features audio=logmel \
    --data-root "$DATA"
# jdcd from scratch under paper 000's protocol (random 5-fold: speaker-dependent; its six classes)
# and under the honest one (speaker-disjoint 5-fold, same classes)
run --seeds 1 --method jdcd --corpus emodb --protocol speaker-dependent --protocol within --labels "$PAPER6" \
    --features audio=logmel --data-root "$DATA"
# paper 000's A_SAV and paper 001's SAVEE figure: SAVEE alone, its six emotions, the papers' protocols
# (jdcd: random 5-fold; PathNet: random 5-fold and leave-one-speaker-out) and speaker-disjoint folds
run --seeds 1 --method jdcd --corpus savee --protocol speaker-dependent --protocol within --labels "$PAPER6" \
    --features audio=logmel --data-root "$DATA"
run --seeds 1 --method pathnet --corpus savee --protocol speaker-dependent --protocol loso --labels "$PAPER6" \
    --features audio=logmel --data-root "$DATA"
# PathNet's protocol (paper 001): source(s), then the target leave-one-speaker-out with the other
# target speakers labelled (the paper's eNTERFACE + SAVEE -> EMO-DB; SAVEE alone here)
run --seeds 1 --method pathnet --method pathnet-transfer --method pathnet-target --protocol cross-adapt-loso \
    --source savee --target emodb --labels "$PAPER6" --features audio=logmel --no-reference --data-root "$DATA"
# SAVEE -> EMO-DB with a labelled adaptation part (20 % of the EMO-DB speakers): source only,
# from scratch on the part, PathNet transfer; jdcd on SAVEE only and jdcd-joint (one seed: the
# joint stage takes about 20 min a job here)
run --seeds 1 --method pathnet --method pathnet-transfer --method pathnet-target --protocol cross-adapt \
    --source savee --target emodb --features audio=logmel --no-reference --data-root "$DATA"
run --seeds 1 --method jdcd --method jdcd-joint --protocol cross-adapt --source savee --target emodb \
    --features audio=logmel --no-reference --data-root "$DATA"
harness leaderboard --results "$R" --out leaderboards/transfer --metric uar --baseline pathnet \
    --reproduction leaderboards/reproduction.md
# this copy keeps the validation predictions: the fusion rows are fitted on them
harness export --results "$R" --out leaderboards/transfer/results.sqlite.gz --keep-validation
