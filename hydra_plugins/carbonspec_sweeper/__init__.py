"""carbonspec's Hydra sweeper: the basic sweeper, except that one job that cannot be composed
(a typo'd option, an unknown region) is recorded and skipped instead of ending the sweep."""
