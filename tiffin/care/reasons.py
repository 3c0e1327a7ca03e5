"""The reason-code catalogue: why something went wrong, in words a customer understands.

Detectors and operators speak in codes (``merchant_delay``); customers read the sentence in their
language. A code that is not in the catalogue is a programming error, caught by the tests.
"""

from __future__ import annotations

from tiffin.domain.anomalies import Reason

PLAIN_WORDS: dict[Reason, dict[str, str]] = {
    Reason.MERCHANT_DELAY: {
        "en": "the restaurant is taking longer than promised to prepare your food",
        "zh-CN": "商家出餐比承诺的时间慢",
    },
    Reason.MERCHANT_DECLINED: {
        "en": "the restaurant could not take your order",
        "zh-CN": "商家无法接单",
    },
    Reason.RIDER_SHORTAGE: {
        "en": "all riders nearby are busy right now",
        "zh-CN": "附近骑手运力紧张",
    },
    Reason.RIDER_INCIDENT: {
        "en": "your rider ran into a problem and cannot continue",
        "zh-CN": "原骑手遇到意外，无法继续配送",
    },
    Reason.TRAFFIC_DELAY: {
        "en": "your rider is slower than expected on the road",
        "zh-CN": "骑手路上耽搁，比预计慢",
    },
    Reason.WEATHER: {
        "en": "bad weather is slowing every delivery down",
        "zh-CN": "恶劣天气导致配送变慢",
    },
    Reason.PLATFORM_FAULT: {
        "en": "a fault on our side",
        "zh-CN": "平台系统故障",
    },
    Reason.ITEM_PROBLEM: {
        "en": "something was wrong with the items you received",
        "zh-CN": "您收到的餐品有问题",
    },
    Reason.CUSTOMER_REQUEST: {
        "en": "you asked us to",
        "zh-CN": "应您的要求",
    },
}

LANGUAGES = ("en", "zh-CN")


def plain_words(reason: Reason, language: str) -> str:
    words = PLAIN_WORDS[reason]
    return words.get(language, words["en"])
