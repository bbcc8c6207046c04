"""A win probability learned from the site's own closed deals.

- `features`: what a deal looked like at a moment (pure functions).
- `scoring`: the stored model applied with plain arithmetic, and its factors in words (pure).
- `metrics`: Brier score, log loss, reliability table, the verdict (pure).
- `fitting`: the logistic regression (scikit-learn, long queue only).
- `dataset`: closed deals as they stood at each stage, read in bulk from the stage history.
- `training`: the backtest, the Win Model record, re-scoring the open deals.
- `live`: scoring one opportunity on save.
"""
