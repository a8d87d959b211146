"""Sphinx configuration for pgm_ebm: ``python -m pip install -q -e ".[docs]" && make -C docs html``
(offline: no intersphinx; warnings are errors; the README says so too)."""

import pgm_ebm

project = "pgm_ebm"
author = "pgm_ebm developers"
release = pgm_ebm.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
sphinx_gallery_conf = {
    "examples_dirs": ["../examples", "../tutorials"],
    "gallery_dirs": ["auto_examples", "auto_tutorials"],
    "filename_pattern": r"/plot_",
}
html_theme = "alabaster"
html_static_path = ["_static"]
# classes without the attribute table of autosummary's default template, which takes a
# plain attribute's summary from its type (str's docstring for ``sampler_kind``)
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_tutorials/*.ipynb"]
