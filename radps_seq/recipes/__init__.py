"""Domain recipes: plain functions registered by name, importable without the engine.

``@recipe("name")`` registers a function ``fn(inputs, params, scratch) -> RecipeResult``;
:func:`get_recipe` finds it (the cascade's own ``<name>_recipes.py``, then installed
code: the registry of imported modules and the ``radps_seq.recipes`` entry points). Recipe families live in subpackages
(:mod:`radps_seq.recipes.imaging`) and register themselves when imported.
"""

from .registry import (
    ENTRY_POINT_GROUP,
    Product,
    Recipe,
    RecipeError,
    RecipeInput,
    RecipeNotFound,
    RecipeResult,
    get_recipe,
    recipe,
    recipe_version,
    registered_recipes,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Product",
    "Recipe",
    "RecipeError",
    "RecipeInput",
    "RecipeNotFound",
    "RecipeResult",
    "get_recipe",
    "recipe",
    "recipe_version",
    "registered_recipes",
]
