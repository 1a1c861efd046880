import Repo
print("repo: not yet implemented")
