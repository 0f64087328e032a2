"""Console pages of billing (/billing/, namespace "billing"), one module per topic."""
