"""The information feed (资讯, C7): weather, air quality, traffic, city news and community news
from pluggable providers, owners' topic subscriptions, and the scheduled weather push."""
