// The repository layer (format, backends, archiver, restorer, prune, check) lands here.
import Chunker
import Codec
import Crypto
