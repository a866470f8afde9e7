#!/usr/bin/env bash
# Splits a folder of photographs (the project's training photos: shared/data/photos, 303 JPEGs) into the training
# and held-out folders used for vitok-photos-t16-c32: every 10th file in name order, starting with the 5th
# (0004.jpg, 0014.jpg, ...), is held out (30 photos); the other 273 are for training.
# Usage: models/make-photo-split.sh PHOTOS_DIR OUT_DIR   -> OUT_DIR/train, OUT_DIR/heldout
set -euo pipefail
src=$1; out=$2
mkdir -p "$out/train" "$out/heldout"
i=0
for f in $(ls "$src" | grep -E '\.jpg$' | sort); do
  if [ $((i % 10)) -eq 4 ]; then cp "$src/$f" "$out/heldout/"; else cp "$src/$f" "$out/train/"; fi
  i=$((i + 1))
done
echo "$(ls "$out/train" | wc -l) training, $(ls "$out/heldout" | wc -l) held-out photos in $out"
