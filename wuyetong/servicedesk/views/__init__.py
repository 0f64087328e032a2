"""Console pages of the service desk (the workers' phone pages are in mobile_urls)."""
