"""carbonspec's config source: Hydra reads carbonspec's packaged configs through it, parsed once
per content and with the same reader as carbonspec's own composer (see config_source.py)."""
