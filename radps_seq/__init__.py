"""radps_seq: ML-assisted stage sequencing of astronomical data reduction."""

__version__ = "0.1.0"
