"""The studies the command line runs, as library functions that return data: the RBM
recipe and its evaluation, the DBM recipe and its variational bound, exact log Z against AIS,
the Ising temperature scan, finite-size scaling and log Z comparison, the recipe's
hyper-parameter sweep, and the denoising comparison.
``pgm_ebm.cli`` only parses, calls these, prints and plots."""

from pgm_ebm.experiments.dbm import DBM_PRESETS, DBM_SETTINGS, dbm_params, evaluate_dbm, fit_dbm
from pgm_ebm.experiments.denoise import denoise_experiment
from pgm_ebm.experiments.ising import (
    finite_size_scaling,
    ising_point,
    log_partition_comparison,
    temperature_scan,
)
from pgm_ebm.experiments.rbm import (
    BLOCK_ONLY,
    PRESETS,
    RECIPE_SETTINGS,
    ais_comparison,
    evaluate,
    fit_recipe,
    load_data,
    recipe_params,
    recipe_sweep,
    recipe_task,
)

__all__ = [
    "BLOCK_ONLY",
    "DBM_PRESETS",
    "DBM_SETTINGS",
    "PRESETS",
    "RECIPE_SETTINGS",
    "ais_comparison",
    "dbm_params",
    "evaluate_dbm",
    "fit_dbm",
    "denoise_experiment",
    "evaluate",
    "finite_size_scaling",
    "fit_recipe",
    "ising_point",
    "load_data",
    "log_partition_comparison",
    "recipe_params",
    "recipe_sweep",
    "recipe_task",
    "temperature_scan",
]
