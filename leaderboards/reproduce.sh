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
