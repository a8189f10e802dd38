"""yuqing.crawlers — the Scrapy project that collects posts about the locality.

One spider per source kind (``spiders/``), each driven by the deployment's
locality names and keywords; items go through small pipelines (clean, locality
match, identity, near-duplicates, raw page, store) into ``deployment.posts``.
Entry points: :func:`yuqing.crawlers.api.crawl` (what ``yuqing crawl`` runs),
``scrapy crawl SOURCE`` from the repository root, and the offline parser
behind ``yuqing parse``.
"""
