"""How far an event has spread: engagement, reach, media levels and growth over time.

Computed from the event's posts (``PostRecord`` values) whenever it is graded,
so the figures are always those of the posts as they are now. ``trend`` gives the
posts and engagement per hour that the event page and the alerts draw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from yuqing.domain import MediaLevel

#: media levels from the widest voice to the narrowest
MEDIA_ORDER = ("central", "provincial", "local", "self")
MEDIA_RANK = {"central": 3, "provincial": 2, "local": 1, "self": 0}
RECENT_HOURS = 6
#: past this span, a trend lists only the hours that had posts
MAX_TREND_HOURS = 24 * 31


def post_time(p) -> datetime:
    t = p.published_at or p.fetched_at
    return t if t is not None else datetime.now(UTC)


@dataclass
class Spread:
    post_count: int = 0
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    max_followers: int = 0
    big_v_posts: int = 0
    verified_posts: int = 0
    media_levels: list[str] = field(default_factory=list)  # widest first
    media_counts: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
    span_hours: float = 0.0
    recent_posts: int = 0  # in the last RECENT_HOURS before last_at
    recent_engagement: int = 0
    max_post_interactions: int = 0

    @property
    def interactions(self) -> int:
        return self.reposts + self.comments + self.likes

    @property
    def reposts_or_comments(self) -> int:
        """The SPEC's measure for viral allegations: ≥10,000 reposts or comments."""
        return self.reposts + self.comments

    @property
    def top_media(self) -> str:
        return self.media_levels[0] if self.media_levels else "self"

    @property
    def posts_per_hour(self) -> float:
        return self.post_count / max(self.span_hours, 1.0)

    @property
    def engagement_per_hour(self) -> float:
        return self.interactions / max(self.span_hours, 1.0)

    @property
    def growth(self) -> float:
        """Share of the event's posts that arrived in its last few hours (1.0: all of it is new)."""
        return self.recent_posts / self.post_count if self.post_count else 0.0

    def media_label(self) -> str:
        return "、".join(MediaLevel(m).label for m in self.media_levels) or MediaLevel.SELF.label

    def as_features(self) -> dict[str, float]:
        """Numeric features for the severity model (log-scaled counts, media one-hot)."""
        f = {
            "spr_posts": _log(self.post_count),
            "spr_reposts": _log(self.reposts),
            "spr_comments": _log(self.comments),
            "spr_likes": _log(self.likes),
            "spr_interactions": _log(self.interactions),
            "spr_reposts_comments": _log(self.reposts_or_comments),
            "spr_max_post": _log(self.max_post_interactions),
            "spr_followers": _log(self.max_followers),
            "spr_big_v": float(min(self.big_v_posts, 3)),
            "spr_verified": float(min(self.verified_posts, 3)),
            "spr_sources": float(min(len(self.sources), 5)),
            "spr_posts_per_hour": _log(self.posts_per_hour),
            "spr_engagement_per_hour": _log(self.engagement_per_hour),
            "spr_growth": self.growth,
            "spr_media_rank": float(MEDIA_RANK.get(self.top_media, 0)),
        }
        for m in MEDIA_ORDER:
            f[f"spr_media_{m}"] = float(m in self.media_levels)
        return f


def _log(x: float) -> float:
    return math.log1p(max(float(x), 0.0))


def measure(posts, big_v_followers: int = 100000) -> Spread:
    """The spread of a set of posts."""
    s = Spread(post_count=len(posts))
    if not posts:
        return s
    # summed in locals and set once: a dataclass attribute is slower to update than a local
    reposts = comments = likes = top_post = max_followers = big_v = verified = 0
    media: dict[str, int] = {}  # in the order the levels first appear
    sources = []
    times = []
    engagement = []
    for p in posts:
        reposts += max(p.reposts or 0, 0)
        comments += max(p.comments or 0, 0)
        likes += max(p.likes or 0, 0)
        interactions = p.interactions
        engagement.append(interactions)
        top_post = max(top_post, interactions)
        followers = p.author_followers or 0
        max_followers = max(max_followers, followers)
        if big_v_followers and followers >= big_v_followers:
            big_v += 1
        if p.author_verified:
            verified += 1
        level = p.media_level if p.media_level in MEDIA_RANK else "self"
        media[level] = media.get(level, 0) + 1
        if p.source and p.source not in sources:
            sources.append(p.source)
        times.append(post_time(p))
    s.reposts, s.comments, s.likes, s.max_post_interactions = reposts, comments, likes, top_post
    s.max_followers, s.big_v_posts, s.verified_posts = max_followers, big_v, verified
    s.media_counts = media
    s.media_levels = [m for m in MEDIA_ORDER if m in media]
    s.sources = sources
    s.first_at, s.last_at = min(times), max(times)
    s.span_hours = (s.last_at - s.first_at).total_seconds() / 3600
    cutoff = s.last_at - timedelta(hours=RECENT_HOURS)
    recent = recent_engagement = 0
    for t, interactions in zip(times, engagement):
        if t > cutoff:
            recent += 1
            recent_engagement += interactions
    s.recent_posts, s.recent_engagement = recent, recent_engagement
    return s


def trend(posts, tz=UTC) -> list[dict]:
    """Posts and engagement per hour, oldest first, every hour from the first post to the last
    (for an event longer than a month, only the hours with posts).

    Each row: ``{"hour": aware datetime (start of the hour, in tz), "posts": n, "engagement": n}``.
    """
    if not posts:
        return []
    rows: dict[datetime, list[int]] = {}
    for p in posts:
        t = post_time(p).astimezone(tz).replace(minute=0, second=0, microsecond=0)
        row = rows.setdefault(t, [0, 0])
        row[0] += 1
        row[1] += p.interactions
    start, end = min(rows), max(rows)
    if end - start > timedelta(hours=MAX_TREND_HOURS):  # a long-lived event: the hours with posts only
        return [{"hour": t, "posts": n, "engagement": e} for t, (n, e) in sorted(rows.items())]
    out = []
    t = start
    while t <= end:
        n, e = rows.get(t, (0, 0))
        out.append({"hour": t, "posts": n, "engagement": e})
        t += timedelta(hours=1)
    return out
