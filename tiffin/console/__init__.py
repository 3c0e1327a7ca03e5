"""The console: server-rendered pages for operators (/console) and for customers, merchants and
riders (/app), calling the same services as the API (docs/console.md)."""
