#!/usr/bin/env bash
# The runs behind the published leaderboards, in order.  Run from the repository
# root with the corpora under DATA (EMO-DB and SAVEE in their native layouts).
# The results store leaderboards/results/results.sqlite holds every job with its
# per-item predictions; `harness leaderboard` renders the pages from it alone.
# The store is kept in the repository compressed (results.sqlite.gz, written at
# the end); an existing one is unpacked first, so that only new jobs run.
set -euo pipefail
DATA="${1:-../shared/corpora}"
R=leaderboards/results
run() { harness run --results "$R" --seeds 3 --quiet "$@" > /dev/null; }
if [ -f leaderboards/results.sqlite.gz ] && [ ! -f "$R/results.sqlite" ]; then
    mkdir -p "$R" && gunzip -c leaderboards/results.sqlite.gz > "$R/results.sqlite"
fi

# synthetic demo corpora (generated, marked †)
run --method classic --corpus demo-a --corpus demo-b --protocol within --protocol loso
run --method classic --protocol cross --corpus demo-a --corpus demo-b
# crossmodal: audio target, visual auxiliary (the demo corpora have both; EMO-DB and SAVEE here are audio only)
run --method emobed --method emobed-joint --method emobed-triplet --corpus demo-a --corpus demo-b --protocol within
run --method classic --method pooled --method finetune --method centroid --protocol cross \
    --corpus demo-a --corpus demo-b

# real corpora: EMO-DB and SAVEE
run --method classic --corpus emodb --corpus savee --protocol loso --data-root "$DATA"
run --method classic --corpus emodb --protocol within --data-root "$DATA"
run --method classic --corpus savee --protocol within --folds 4 --data-root "$DATA"   # 4 speakers
run --method classic --corpus emodb --protocol split --data-root "$DATA"
run --method classic --protocol cross --corpus savee --corpus emodb --data-root "$DATA"
run --method classic --method pooled --method finetune --method centroid --protocol cross \
    --corpus savee --corpus emodb --data-root "$DATA"

harness leaderboard --results "$R" --out leaderboards --metric uar
gzip -9 -n -c "$R/results.sqlite" > leaderboards/results.sqlite.gz

# ---- the staged transfer methods and decision-level fusion (papers 000, 001, 003) ----
# their own store and pages under leaderboards/transfer/ (log-mel segments; one seed where a
# run takes minutes per fold on 2 CPU cores; each compressed store stays under 2 MiB)
R=leaderboards/transfer/results
if [ -f leaderboards/transfer/results.sqlite.gz ] && [ ! -f "$R/results.sqlite" ]; then
    mkdir -p "$R" && gunzip -c leaderboards/transfer/results.sqlite.gz > "$R/results.sqlite"
fi
run --seeds 1 --method lstm --corpus demo-a --modality audio --features audio=egemaps-lld \
    --hp lstm.frame_pool=5 --hp lstm.readout=mean
run --seeds 1 --method lstm --corpus demo-a --modality visual --features visual=face-hog-seq
for fusion in average lr confidence prior lr-confidence lr-prior; do
    harness fuse --results "$R" --fusion "$fusion" --group lstm@audio --group lstm@visual > /dev/null
done
run --method pathnet --method pathnet-transfer --method pathnet-target --protocol cross-adapt \
    --source demo-a --target demo-b --no-reference
run --seeds 1 --method pathnet --corpus emodb --protocol loso --features audio=logmel --data-root "$DATA"
run --method pathnet --method pathnet-transfer --method pathnet-target --protocol cross-adapt \
    --source savee --target emodb --features audio=logmel --no-reference --data-root "$DATA"
run --seeds 1 --method jdcd --corpus emodb --protocol loso --features audio=logmel --data-root "$DATA"
run --seeds 1 --method jdcd --method jdcd-joint --protocol cross-adapt --source savee --target emodb \
    --features audio=logmel --no-reference --data-root "$DATA"
harness leaderboard --results "$R" --out leaderboards/transfer --metric uar --baseline pathnet
gzip -9 -n -c "$R/results.sqlite" > leaderboards/transfer/results.sqlite.gz
