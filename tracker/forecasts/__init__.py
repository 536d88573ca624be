"""Forecast questions: Entente's daily probability for each, from what it knew that day;
resolution by rule; Brier and log scores, calibration, and the baselines beside them."""
