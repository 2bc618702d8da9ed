"""The demo city, Riverton: a believable fictional city to train staff on and show off.

Build it with :func:`townhall.demo.builder.build_demo_city` (``manage.py build_demo``);
:func:`townhall.demo.builder.demo_exists` says whether it is there. The data lives in
:mod:`~townhall.demo.city` (map, districts), :mod:`~townhall.demo.catalogue` (departments,
services) and :mod:`~townhall.demo.patterns` (how residents report and the city responds);
:mod:`~townhall.demo.history` plans the requests.
"""
