"""``python -m radps_seq.cli``."""

from . import main

main()
