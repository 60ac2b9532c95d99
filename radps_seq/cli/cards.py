"""``radps-seq card``: the model card of a saved learned model, written from the model."""

from __future__ import annotations

import click

from .options import emit, format_option


@click.command()
@click.argument("model", type=click.Path(exists=True, file_okay=False))
@click.option("--write/--no-write", default=True, show_default=True,
              help="Rewrite MODEL/MODEL_CARD.md (else only print the card).")
@format_option("text", "json")
def card(model: str, write: bool, fmt: str) -> None:
    """Write a saved model's card from the model itself: features, unseen-task policy,
    training data, held-out metrics."""
    from ..experiments.model_card import model_card, write_card
    from ..plan.sequencers.learned.model_store import load_model

    learned = load_model(model)
    text = model_card(learned)
    path = write_card(learned, model) if write else None
    emit({"model": model, "card": str(path) if path else None, "text": text}, fmt, text)
