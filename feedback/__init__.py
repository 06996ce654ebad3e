"""Parents' feedback: what they asked and whether it helped.

`store.FeedbackStore` keeps one record per question (SQLite by default,
PostgreSQL by URL), with personal details scrubbed first (`privacy.scrub`);
`writer` writes in the background so an answer never waits for the database;
`gaps` groups the questions the guidance did not answer by meaning; `report`
is `python -m feedback.report`. It uses `qa` (the grouping's encoder); `qa`
never imports it.
"""
