"""Sphinx configuration for pgm_ebm (``pip install -e .[docs] && make -C docs html``)."""

import pgm_ebm

project = "pgm_ebm"
author = "pgm_ebm developers"
release = pgm_ebm.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
}
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
html_theme = "alabaster"
html_static_path = ["_static"]
exclude_patterns = ["_build", "auto_examples/*.ipynb"]
