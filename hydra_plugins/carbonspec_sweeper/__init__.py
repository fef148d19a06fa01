"""carbonspec's Hydra sweeper: each job composed once, a bad job recorded instead of ending the
sweep, progress on stderr, and the sweep's summary written when it ends (see sweeper.py)."""
