print("repo-bench: not yet implemented")
