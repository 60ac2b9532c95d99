from edps import task

# Every stage of the ALMA/VLA pipeline recipes is a task named by its role; its recipe is
# the pipeline task that plays the role. The first input is the data the stage works on,
# the others are what must exist before it (calibration tables, flags, image lists) when
# the dataset has them: an upstream stage whose condition is false is simply not there.
PIPELINE = "pipeline"


def stage(name, recipe, main, *needs, when=None, role=""):
    builder = (task(name)
               .with_recipe(recipe)
               .with_main_input(main)
               .with_description(role)
               .with_meta_targets([PIPELINE]))
    for upstream in needs:
        builder.with_associated_input(upstream, min_ret=0)
    if when is not None:
        builder.with_condition(when)
    return builder.build()
