"""How the search is taught and judged: nothing here answers a parent.

`evaluate` scores the engine on labelled questions beside two baselines
(`python -m learn.evaluate`); `fit` fits the fusion weights and the refusal
model by cross-validation into qa/params.json (`python -m learn.fit`);
`tune` fine-tunes the default embedding model on `sen_training.jsonl`
(`python -m learn.tune`), which `pairs` writes from the labelled sets;
`gold_files` says which test files a staff-run evaluation may read. It
imports `ingest` and `qa`; neither imports it.
"""
