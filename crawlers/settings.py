"""Scrapy settings of the yuqing crawlers: polite defaults, written out.

``scrapy crawl SOURCE`` (from the repository root, see ``scrapy.cfg``) and
``yuqing crawl`` both start from these. Each configured source then overrides
the politeness settings with its own values (``delay_seconds`` →
DOWNLOAD_DELAY, ``concurrency`` → CONCURRENT_REQUESTS_PER_DOMAIN,
``obey_robots`` → whether robots.txt is checked, a JOBDIR per source under
``data_dir/jobs/<source>``), see :func:`yuqing.crawlers.loader.source_settings`.
"""
BOT_NAME = "yuqing"

SPIDER_MODULES = ["yuqing.crawlers.spiders"]
NEWSPIDER_MODULE = "yuqing.crawlers.spiders"
# `scrapy crawl county-news` finds configured sources by name, `scrapy crawl news -a source=…` by kind
SPIDER_LOADER_CLASS = "yuqing.crawlers.loader.SourceSpiderLoader"

# Identify ourselves; offices may set a contact address in the source's options.user_agent.
USER_AGENT = "Mozilla/5.0 (compatible; yuqing-monitor/0.1; public-opinion monitoring for local government)"

# -- politeness -------------------------------------------------------------
ROBOTSTXT_OBEY = True  # per source: `obey_robots: false` sets dont_obey_robotstxt on its requests
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% of the delay, so requests do not tick like a clock
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = True  # login cookies come from the source's cookie_env, see middlewares

# -- retries with back-off --------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds; doubled on each retry of the same request
RETRY_BACKOFF_MAX = 120.0

# -- guards -----------------------------------------------------------------
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a page larger than this is logged and skipped
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
YUQING_MAX_TEXT_CHARS = 100_000  # a post's text is cut here (with a note in the stats)
REDIRECT_MAX_TIMES = 10

# -- output -----------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = [
    "key", "source", "kind", "url", "title", "text", "author", "published_at", "fetched_at", "reposts",
    "comments", "likes", "author_followers", "author_verified", "media_level", "matched_keywords", "raw_ref",
    "simhash", "duplicate_of",
]
YUQING_STORE_BATCH = 50  # posts written to the store per batch
YUQING_NEAR_DUP_DAYS = 7  # near-duplicates are looked for among posts this recent
YUQING_NEAR_DUP_LIMIT = 5000

DOWNLOADER_MIDDLEWARES = {
    "yuqing.crawlers.middlewares.SourceRequestMiddleware": 90,  # robots per source, login cookie, seen skip
    "yuqing.crawlers.middlewares.BackoffRetryMiddleware": 545,  # replaces the stock RetryMiddleware
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "yuqing.crawlers.middlewares.BlockDetectionMiddleware": 540,  # sees the response after retries
    "yuqing.crawlers.middlewares.EncodingMiddleware": 560,  # fix the charset before anyone reads text
}
SPIDER_MIDDLEWARES = {
    "yuqing.crawlers.middlewares.MalformedPageMiddleware": 50,
}
ITEM_PIPELINES = {
    "yuqing.crawlers.pipelines.clean.CleanPipeline": 100,
    "yuqing.crawlers.pipelines.locality.LocalityPipeline": 200,
    "yuqing.crawlers.pipelines.identity.IdentityPipeline": 300,
    "yuqing.crawlers.pipelines.neardup.NearDuplicatePipeline": 400,
    "yuqing.crawlers.pipelines.raw.RawPagePipeline": 500,
    "yuqing.crawlers.pipelines.store.StorePipeline": 600,
}
EXTENSIONS = {
    "yuqing.crawlers.health.SourceHealth": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
}
# a request whose items were not stored when a crawl died must be fetched again:
# the dupefilter remembers only the current run; the store's keys decide what is seen
DUPEFILTER_CLASS = "yuqing.crawlers.dupefilter.RunDupeFilter"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
LOG_FORMATTER = "yuqing.crawlers.logformat.PostLogFormatter"
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
