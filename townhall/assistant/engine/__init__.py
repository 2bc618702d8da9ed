"""The assistant's understanding engine: pure Python and NumPy, no Django.

``Engine`` takes the catalogue and the knowledge base as plain values
(:class:`ServiceEntry`, :class:`ArticleEntry`) and an optional :class:`Embedder`, and
turns one resident's message into an :class:`Understanding`. The Django side
(``townhall.assistant.services``) builds those values from the database and keeps the
conversation; everything here can be tested and benchmarked without a database.
"""

from townhall.assistant.engine.embeddings import Embedder, load_embedder
from townhall.assistant.engine.understand import (
    ArticleEntry,
    Engine,
    Params,
    ServiceEntry,
    Understanding,
)

__all__ = [
    "ArticleEntry",
    "Embedder",
    "Engine",
    "Params",
    "ServiceEntry",
    "Understanding",
    "load_embedder",
]
