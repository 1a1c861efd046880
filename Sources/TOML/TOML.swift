// Placeholder: the TOML reader lands here.
public enum TOML {}
