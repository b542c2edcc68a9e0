"""Reports, FollowTheMoney entities made of marked statements, and search."""
