"""Work spread over a Ray cluster (optional: ``pip install "lawsearch[ray]"``): see :mod:`lawsearch.cluster.ray_build`."""
