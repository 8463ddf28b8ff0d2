"""Dataset sources: scikit-learn's digits, two reproducible SYNTHETIC generators, and the user's own file.

Each source returns a :class:`Prepared` table and what the data gate must know
about it; :mod:`lca.ml.data` splits it, writes it with its card and reads it back.
"""
