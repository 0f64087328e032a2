"""Organisation & access pages (C1); thin views over services and selectors."""
