#!/usr/bin/python3
"""The ViTok tokenizer of src/ViTok.Models (ViTokAutoEncoder) written in plain PyTorch (1.13, Debian's python3-torch),
and a benchmark of it: encode (posterior mean), decode and one stage-1 training step, in fp32 or bf16, against a
1024^3 matrix product of the same dtype measured in the same process.

The module tree, parameter names and shapes are those of the C# model (encoder.blocks.0.attn.qkv.weight, ...), so a
tokenizer file written by `vitok` loads here with strict=True and a file written here loads there
(tests/Fixtures/peer holds one, checked by a C# test). Each piece mirrors a C# file:

  Layers/Attention.cs        qkv (no bias) -> [3, B, heads, L, D], RoPE on q and k, attention, proj (bias)
  Layers/RotaryEmbedding.cs  interleaved pairs (x[2i], x[2i+1]) rotated by angle_i; cos/sin cast to q's dtype
  Layers/PositionAngles.cs   pairs split over the (t, h, w) axes (remainder to the last axes), theta^(-i/n_a)
  Layers/SwiGLU.cs           fc2(silu(fc1_g(x)) * fc1_x(x)), all with bias, hidden = 8w/3 rounded up to 8
  Layers/TransformerBlock.cs pre-LayerNorm: x + attn(norm1(x)); x + mlp(norm2(x))  (no LayerScale, no RMSNorm)
  Tokenizer/Tubelets.cs      Conv3d / ConvTranspose3d with kernel = stride, computed as reshape + one matmul
  Tokenizer/ViTokAutoEncoder.cs  encoder: tubelet -> positions -> blocks -> LayerNorm -> linear to 2c (fp32);
                             decoder: linear c -> w -> positions -> blocks -> LayerNorm -> tubelet transpose (+ RGB bias)
  Tokenizer/DiagonalGaussian.cs  mean, log-variance clamped to [-30, 20]; KL = mean of 0.5 (mu^2 + var - 1 - logvar)
  Tokenizer/TokenPositions.cs    Rope3D / Rope1D (angles per forward), Learned ([1, L, w]), SinCos (fixed, added once)
  Tokenizer/TokenizerCost.cs     parameter and multiply-add formulas (mirrored in cost())

stdout: JSON lines only (one per measured dtype, fields as `vitok bench --json` plus extras); stderr: human text.
"""
import argparse
import json
import math
import os
import re
import resource
import shlex
import statistics
import struct
import subprocess
import sys
import time
from contextlib import nullcontext

# ----------------------------------------------------------------------------------------------------------------
# Configuration: variant names parsed as ViTokConfig.FromVariant / ViTSize.Parse do.
# ----------------------------------------------------------------------------------------------------------------

NAMED_SIZES = {  # Tokenizer/ViTSize.cs: name -> (width, depth, heads)
    "N": (96, 2, 2),
    "T": (192, 4, 4),
    "S": (768, 6, 12),
    "B": (768, 12, 12),
    "L": (1152, 24, 16),
}
VARIANT = re.compile(r"^\s*(?P<enc>[A-Za-z][A-Za-z0-9]*)-(?P<dec>[A-Za-z][A-Za-z0-9]*)/(?:(?P<q>\d+)x)?(?P<p>\d+)\s*$")
CUSTOM_SIZE = re.compile(r"^w(?P<w>\d{1,5})d(?P<d>\d{1,3})(?:h(?P<h>\d{1,3}))?$", re.IGNORECASE)
POSITIONS = ("Rope3D", "Rope1D", "Learned", "SinCos")
LOGVAR_MIN, LOGVAR_MAX = -30.0, 20.0


class Size:
    def __init__(self, name, width, depth, heads):
        self.name, self.width, self.depth, self.heads = name, width, depth, heads

    @property
    def head_dim(self):
        return self.width // self.heads

    @staticmethod
    def parse(name):
        for key, (w, d, h) in NAMED_SIZES.items():
            if key.lower() == name.lower():
                return Size(key, w, d, h)
        m = CUSTOM_SIZE.match(name)
        if not m:
            raise ValueError(f"Size '{name}' is not known; use one of {', '.join(NAMED_SIZES)} or w<width>d<depth>[h<heads>]")
        width, depth = int(m.group("w")), int(m.group("d"))
        if width < 1 or depth < 1:
            raise ValueError(f"Size '{name}': width and depth must be at least 1")
        if m.group("h"):
            heads = int(m.group("h"))
        elif width % 48 == 0:
            heads = width // 48
        else:
            raise ValueError(f"Size '{name}': width {width} is not a multiple of 48; give the heads")
        if heads < 1 or width % heads != 0:
            raise ValueError(f"Size '{name}': width {width} is not divisible by {heads} heads")
        canonical = f"w{width}d{depth}h{heads}" if m.group("h") else f"w{width}d{depth}"
        return Size(canonical, width, depth, heads)

    def to_json(self):
        return {"Name": self.name, "Width": self.width, "Depth": self.depth, "Heads": self.heads}


class Config:
    def __init__(self, variant, channels=16, image_size=256, frames=None, position="Rope3D", rope_theta=10000.0):
        m = VARIANT.match(variant or "")
        if not m:
            raise ValueError(f"Variant '{variant}' is not of the form <encoder>-<decoder>/<p> or <encoder>-<decoder>/<q>x<p>")
        self.encoder = Size.parse(m.group("enc"))
        self.decoder = Size.parse(m.group("dec"))
        self.q = int(m.group("q")) if m.group("q") else 1
        self.p = int(m.group("p"))
        self.channels = channels
        self.image_size = image_size
        self.frames = frames if frames is not None else (1 if self.q == 1 else 16)
        if position not in POSITIONS:
            raise ValueError(f"Position '{position}' is not one of {', '.join(POSITIONS)}")
        self.position = position
        self.rope_theta = rope_theta
        self.validate()

    @property
    def variant(self):
        return f"{self.encoder.name}-{self.decoder.name}/{'' if self.q == 1 else str(self.q) + 'x'}{self.p}"

    @property
    def grid(self):
        return (self.frames // self.q, self.image_size // self.p, self.image_size // self.p)

    @property
    def tokens(self):
        t, h, w = self.grid
        return t * h * w

    @property
    def tubelet_volume(self):
        return 3 * self.q * self.p * self.p

    def validate(self):  # ViTokConfig.Validate
        def require(ok, message):
            if not ok:
                raise ValueError("Invalid ViTok configuration: " + message + ".")
        require(self.p >= 1, f"patch size p = {self.p} must be at least 1")
        require(self.q >= 1, f"tubelet frames q = {self.q} must be at least 1")
        require(self.channels >= 1, f"channels c = {self.channels} must be at least 1")
        require(self.image_size >= 1, f"image size = {self.image_size} must be at least 1")
        require(self.frames >= 1, f"frames T = {self.frames} must be at least 1")
        require(self.image_size % self.p == 0, f"image size {self.image_size} is not divisible by the patch size p = {self.p}")
        require(self.frames % self.q == 0, f"frames T = {self.frames} is not divisible by the tubelet depth q = {self.q}")
        require(self.rope_theta > 1, f"RoPE theta = {self.rope_theta} must be greater than 1")
        for role, size in (("encoder", self.encoder), ("decoder", self.decoder)):
            require(size.width % size.heads == 0, f"{role} width {size.width} is not divisible by its {size.heads} heads")
            if self.position in ("Rope3D", "Rope1D"):
                require(size.head_dim % 2 == 0, f"{role} head dimension {size.head_dim} is odd")
            if self.position == "Rope3D":
                require(size.head_dim >= 6, f"{role} head dimension {size.head_dim} cannot carry 3D RoPE")
            if self.position == "SinCos":
                require(size.width % 6 == 0, f"{role} width {size.width} is not divisible by 6")

    def to_json(self):  # the "vitok.config" metadata of a tokenizer file (ViTokConfig.ToJson)
        return json.dumps({
            "Variant": self.variant, "Encoder": self.encoder.to_json(), "Decoder": self.decoder.to_json(),
            "TubeletFrames": self.q, "Patch": self.p, "Channels": self.channels, "ImageSize": self.image_size,
            "Frames": self.frames, "Position": self.position,
            "RopeTheta": int(self.rope_theta) if float(self.rope_theta).is_integer() else self.rope_theta,
        }, separators=(",", ":"))

    @staticmethod
    def from_json(text):
        d = json.loads(text)
        c = Config.__new__(Config)
        c.encoder = Size(d["Encoder"]["Name"], d["Encoder"]["Width"], d["Encoder"]["Depth"], d["Encoder"]["Heads"])
        c.decoder = Size(d["Decoder"]["Name"], d["Decoder"]["Width"], d["Decoder"]["Depth"], d["Decoder"]["Heads"])
        c.q, c.p, c.channels = d["TubeletFrames"], d["Patch"], d["Channels"]
        c.image_size, c.frames = d["ImageSize"], d["Frames"]
        c.position, c.rope_theta = d["Position"], float(d["RopeTheta"])
        c.validate()
        return c


def mlp_hidden(width):  # ViTokConfig.MlpHidden: 8/3 x width rounded up to a multiple of 8 (integer division as C#)
    return (8 * width // 3 + 7) // 8 * 8


def cost(config):
    """TokenizerCost.Of (exact convention): ((encoder params, encoder multiply-adds), (decoder params, decoder multiply-adds))
    per input clip. Counted: linear/tubelet multiply-adds and the two attention products (2 L^2 W per block)."""
    l, c, v = config.tokens, config.channels, config.tubelet_volume

    def linear(i, o, tokens):
        return (i * o + o, tokens * i * o)

    def norm(w):
        return (2 * w, 0)

    def add(*parts):
        return (sum(p[0] for p in parts), sum(p[1] for p in parts))

    def blocks(size):
        w, h = size.width, mlp_hidden(size.width)
        block = add(norm(w), (3 * w * w, 3 * l * w * w), (0, 2 * l * l * w), linear(w, w, l), norm(w),
                    linear(w, h, l), linear(w, h, l), linear(h, w, l))
        return (block[0] * size.depth, block[1] * size.depth)

    def positions(size):
        return (l * size.width, 0) if config.position == "Learned" else (0, 0)

    e, d = config.encoder, config.decoder
    encoder = add((v * e.width + e.width, l * v * e.width), positions(e), blocks(e), norm(e.width), linear(e.width, 2 * c, l))
    decoder = add(linear(c, d.width, l), positions(d), blocks(d), norm(d.width), (d.width * v + 3, l * d.width * v))
    return encoder, decoder


# ----------------------------------------------------------------------------------------------------------------
# The model (torch is imported in main(), after the thread environment is set).
# ----------------------------------------------------------------------------------------------------------------

def build_model_classes(torch):
    nn = torch.nn
    F = torch.nn.functional

    def split_pairs(pairs, axes):  # PositionAngles.SplitPairs
        return [pairs // axes + (1 if a >= axes - pairs % axes else 0) for a in range(axes)]

    def angles(positions, dims, theta):  # PositionAngles.Angles: [L, A] -> [L, dims/2]
        axes = positions.shape[1]
        parts = []
        for a, n in enumerate(split_pairs(dims // 2, axes)):
            if n == 0:
                continue
            i = torch.arange(n, dtype=torch.float64, device=positions.device)
            freq = torch.pow(theta, -i / n)
            parts.append(positions[:, a:a + 1].to(torch.float64) * freq.unsqueeze(0))
        return torch.cat(parts, 1).to(torch.float32)

    def grid_positions(t, h, w, device=None):  # PositionAngles.GridPositions: [T*H*W, 3], t-major
        tt = torch.arange(t, dtype=torch.float32, device=device).view(t, 1, 1).expand(t, h, w)
        hh = torch.arange(h, dtype=torch.float32, device=device).view(1, h, 1).expand(t, h, w)
        ww = torch.arange(w, dtype=torch.float32, device=device).view(1, 1, w).expand(t, h, w)
        return torch.stack([tt, hh, ww], -1).reshape(t * h * w, 3)

    def rotate(x, cos, sin):  # RotaryEmbedding.Rotate: x [B, heads, L, D], interleaved pairs
        shape = x.shape
        pairs = x.reshape(*shape[:-1], shape[-1] // 2, 2)
        x0, x1 = pairs.select(-1, 0), pairs.select(-1, 1)
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
        r0 = x0 * cos - x1 * sin
        r1 = x0 * sin + x1 * cos
        return torch.stack([r0, r1], -1).reshape(shape)

    class Attention(nn.Module):
        def __init__(self, width, heads, attention="manual"):
            super().__init__()
            self.heads = heads
            self.attention = attention
            self.qkv = nn.Linear(width, 3 * width, bias=False)
            self.proj = nn.Linear(width, width)

        def forward(self, x, rope):
            b, l, w = x.shape
            parts = self.qkv(x).view(b, l, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)  # [3, B, heads, L, D]
            q, k, v = parts[0], parts[1], parts[2]
            if rope is not None:
                q = rotate(q, *rope)
                k = rotate(k, *rope)
            if self.attention == "sdpa":  # torch 1.13's private SDPA (math path on CPU)
                o = F._scaled_dot_product_attention(q, k, v)[0]
            else:  # softmax(q k^T / sqrt(D)) v, what SDPA computes
                scores = torch.matmul(q * (q.shape[-1] ** -0.5), k.transpose(-2, -1))
                o = torch.matmul(scores.softmax(-1), v)
            return self.proj(o.transpose(1, 2).reshape(b, l, w))

    class SwiGLU(nn.Module):
        def __init__(self, width, hidden):
            super().__init__()
            self.fc1_g = nn.Linear(width, hidden)
            self.fc1_x = nn.Linear(width, hidden)
            self.fc2 = nn.Linear(hidden, width)

        def forward(self, x):
            return self.fc2(F.silu(self.fc1_g(x)) * self.fc1_x(x))

    class LayerNorm(nn.LayerNorm):
        """nn.LayerNorm (eps 1e-5, affine) taking a bf16 input with fp32 weights, as libtorch 2.x (under our C# model)
        does and torch 1.13 does not: the weights are cast to the input's dtype. A no-op in fp32."""

        def forward(self, x):
            w, b = self.weight, self.bias
            if w.dtype != x.dtype:
                w, b = w.to(x.dtype), b.to(x.dtype)
            return F.layer_norm(x, self.normalized_shape, w, b, self.eps)

    class TransformerBlock(nn.Module):
        def __init__(self, width, heads, hidden, attention):
            super().__init__()
            self.norm1 = LayerNorm(width)
            self.attn = Attention(width, heads, attention)
            self.norm2 = LayerNorm(width)
            self.mlp = SwiGLU(width, hidden)

        def forward(self, x, rope):
            x = x + self.attn(self.norm1(x), rope)
            return x + self.mlp(self.norm2(x))

    class TokenPositions(nn.Module):
        def __init__(self, config, size):
            super().__init__()
            self.mode, self.grid = config.position, config.grid
            self.width, self.head_dim, self.theta = size.width, size.head_dim, config.rope_theta
            if self.mode == "Learned":
                self.pos_embed = nn.Parameter(nn.init.trunc_normal_(torch.empty(1, config.tokens, size.width), std=0.02))

        def add_absolute(self, x, grid):
            if self.mode == "Learned":
                if tuple(grid) != tuple(self.grid):
                    raise ValueError(f"learned positions are for a {self.grid} grid, the input gives {grid}")
                return x + self.pos_embed.to(x.dtype)
            if self.mode == "SinCos":
                a = angles(grid_positions(*grid, device=x.device), self.width, self.theta)  # [L, W/2]
                return x + torch.cat([a.sin(), a.cos()], 1).to(x.dtype).unsqueeze(0)
            return x

        def rope(self, grid, device):
            if self.mode not in ("Rope3D", "Rope1D"):
                return None
            if self.mode == "Rope3D":
                positions = grid_positions(*grid, device=device)
            else:
                positions = torch.arange(grid[0] * grid[1] * grid[2], dtype=torch.float32, device=device).unsqueeze(1)
            a = angles(positions, self.head_dim, self.theta)
            return (a.cos(), a.sin())

    def embed(conv, clip, grid):  # Tubelets.Embed: [B, 3, T, H, W] -> [B, L, W]
        w = conv.weight
        width, q, p, b = w.shape[0], w.shape[2], w.shape[3], clip.shape[0]
        t_, h_, w_ = grid
        x = clip.view(b, 3, t_, q, h_, p, w_, p).permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(b, t_ * h_ * w_, 3 * q * p * p)
        return F.linear(x, w.view(width, -1), conv.bias)

    def unembed(deconv, tokens, grid):  # Tubelets.Unembed: [B, L, W] -> [B, 3, T, H, W], RGB bias added in fp32
        w = deconv.weight
        width, q, p, b = w.shape[0], w.shape[2], w.shape[3], tokens.shape[0]
        t_, h_, w_ = grid
        y = F.linear(tokens, w.view(width, -1).t(), None).to(torch.float32)
        y = y.view(b, t_, h_, w_, 3, q, p, p).permute(0, 4, 1, 5, 2, 6, 3, 7).reshape(b, 3, t_ * q, h_ * p, w_ * p)
        if deconv.bias is not None:
            y = y + deconv.bias.to(torch.float32).view(1, 3, 1, 1, 1)
        return y

    def vit_init(root):  # ViTInit.Apply: Xavier-uniform weights (kernels viewed [out, -1]), zero biases
        with torch.no_grad():
            for module in root.modules():
                if isinstance(module, nn.Linear):
                    nn.init.xavier_uniform_(module.weight)
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)
                elif isinstance(module, (nn.Conv3d, nn.ConvTranspose3d)):
                    nn.init.xavier_uniform_(module.weight.view(module.weight.shape[0], -1))
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)

    class Encoder(nn.Module):
        def __init__(self, config, attention, residual):
            super().__init__()
            self.residual = residual
            size, q, p = config.encoder, config.q, config.p
            self.tubelet_embed = nn.Conv3d(3, size.width, kernel_size=(q, p, p), stride=(q, p, p))
            self.positions = TokenPositions(config, size)
            self.blocks = nn.ModuleList(TransformerBlock(size.width, size.heads, mlp_hidden(size.width), attention)
                                        for _ in range(size.depth))
            self.norm = LayerNorm(size.width)
            self.to_moments = nn.Linear(size.width, 2 * config.channels)
            vit_init(self)

        def forward(self, clip, grid):
            x = embed(self.tubelet_embed, clip, grid)
            if self.residual == "fp32":
                x = x.to(torch.float32)
            x = self.positions.add_absolute(x, grid)
            rope = self.positions.rope(grid, x.device)
            for block in self.blocks:
                x = block(x, rope)
            return self.to_moments(self.norm(x)).to(torch.float32)  # [B, L, 2c]

    class Decoder(nn.Module):
        def __init__(self, config, attention, residual):
            super().__init__()
            self.residual = residual
            size, q, p = config.decoder, config.q, config.p
            self.from_latent = nn.Linear(config.channels, size.width)
            self.positions = TokenPositions(config, size)
            self.blocks = nn.ModuleList(TransformerBlock(size.width, size.heads, mlp_hidden(size.width), attention)
                                        for _ in range(size.depth))
            self.norm = LayerNorm(size.width)
            self.to_pixels = nn.ConvTranspose3d(size.width, 3, kernel_size=(q, p, p), stride=(q, p, p))
            vit_init(self)

        def forward(self, latents, grid):
            x = self.from_latent(latents.to(self.from_latent.weight.dtype))
            if self.residual == "fp32":
                x = x.to(torch.float32)
            x = self.positions.add_absolute(x, grid)
            rope = self.positions.rope(grid, x.device)
            for block in self.blocks:
                x = block(x, rope)
            return unembed(self.to_pixels, self.norm(x), grid)  # [B, 3, T, H, W] fp32

    class ViTokAutoEncoder(nn.Module):
        def __init__(self, config, attention="manual", residual="native"):
            super().__init__()
            self.config = config
            self.encoder = Encoder(config, attention, residual)
            self.decoder = Decoder(config, attention, residual)

        def as_clip(self, pixels):
            clip = pixels.unsqueeze(2) if pixels.dim() == 4 else pixels
            return clip.to(self.encoder.tubelet_embed.weight.dtype)

        def grid_of(self, clip):
            t, h, w = clip.shape[2], clip.shape[3], clip.shape[4]
            q, p = self.config.q, self.config.p
            if t % q or h % p or w % p:
                raise ValueError(f"input {t}x{h}x{w} does not divide into {q}x{p}x{p} tubelets")
            return (t // q, h // p, w // p)

        def encode(self, pixels):
            """Posterior (mean, clamped log-variance), each [B, L, c] fp32 (DiagonalGaussian.FromMoments)."""
            clip = self.as_clip(pixels)
            mean, logvar = self.encoder(clip, self.grid_of(clip)).chunk(2, -1)
            return mean, logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)

        def decode(self, latents, grid=None):
            return self.decoder(latents, grid or self.config.grid)

    return ViTokAutoEncoder


def kl(torch, mean, logvar):  # DiagonalGaussian.Kl: averaged over every latent number
    return (0.5 * (mean.square() + logvar.exp() - 1.0 - logvar)).mean()


def count_params(module):
    return sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------------------------------------------
# safetensors without the safetensors package (read a `vitok` tokenizer file, write one for the C# parity test).
# ----------------------------------------------------------------------------------------------------------------

def read_safetensors(torch, path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    dtypes = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "F64": torch.float64, "I64": torch.int64}
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        raw = bytearray(data[start:end])
        t = torch.frombuffer(raw, dtype=dtypes[entry["dtype"]]) if end > start else torch.empty(0, dtype=dtypes[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """fp32 tensors in safetensors layout, with the "vitok.sha256" checksum our SafeTensorsFile verifies (SHA-256 of
    the whole file with the checksum's 64 digits read as zeros)."""
    import hashlib
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        t = t.detach().to("cpu").contiguous().float()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    zeros = "0" * 64
    header["__metadata__"] = dict(metadata, **{"vitok.sha256": zeros})
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    prefix = struct.pack("<Q", len(text))
    digest = hashlib.sha256(prefix + text + b"".join(blobs)).hexdigest()
    field = f'"vitok.sha256":"{zeros}"'.encode()
    assert text.count(field) == 1
    text = text.replace(field, f'"vitok.sha256":"{digest}"'.encode())
    with open(path, "wb") as f:
        f.write(prefix)
        f.write(text)
        for raw in blobs:
            f.write(raw)


# ----------------------------------------------------------------------------------------------------------------
# Backend, timing, memory.
# ----------------------------------------------------------------------------------------------------------------

def loaded_blas():
    """The BLAS library this process actually mapped (libtorch_cpu links libblas.so.3, chosen by update-alternatives)."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 6 and re.search(r"blas|blis|mkl", os.path.basename(fields[-1]), re.IGNORECASE):
                    found.add(os.path.realpath(fields[-1]))
    except OSError:
        return "unknown", []
    paths = sorted(found)
    joined = " ".join(paths)
    if "openblas" in joined:
        kind = "OpenBLAS (" + ("openmp" if "openmp" in joined else "pthread" if "pthread" in joined else "serial" if "serial" in joined else "?") + ")"
    elif "blis" in joined:
        kind = "BLIS"
    elif "mkl" in joined:
        kind = "MKL"
    elif "/blas/libblas" in joined:
        kind = "reference BLAS (netlib, libblas3): slow; install libopenblas0-openmp"
    else:
        kind = "unknown"
    return kind, paths


def backend_info(torch):
    show = torch.__config__.show()

    def grab(pattern):
        m = re.search(pattern, show)
        return m.group(1).strip() if m else None

    blas_kind, blas_paths = loaded_blas()
    return {
        "torch": torch.__version__,
        "blas": blas_kind,
        "blas_library": blas_paths,
        "blas_info": grab(r"BLAS_INFO=([^,\s]+)"),
        "mkl": torch.backends.mkl.is_available(),
        "onednn": grab(r"(?:Intel\(R\) )?MKL-DNN (v[\d.]+)") if torch.backends.mkldnn.is_available() else None,
        "cpu_capability": grab(r"CPU capability usage: (\S+)"),
        "parallel": (re.search(r"ATen parallel backend: (.+)", torch.__config__.parallel_info()) or [None, None])[1],
    }


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def timed(fn, min_calls, min_seconds, warmup_calls=2, warmup_seconds=0.5):
    """Median seconds per call: warm-up (calls and time), then timed calls until both minimums are met."""
    start = time.perf_counter()
    n = 0
    while n < warmup_calls or time.perf_counter() - start < warmup_seconds:
        fn()
        n += 1
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    q1, q3 = times[len(times) // 4], times[(3 * len(times)) // 4]
    return statistics.median(times), len(times), (q3 - q1) / statistics.median(times)


def matmul_gmacs(torch, dtype, args, n=1024):
    a = torch.randn(n, n).to(dtype)
    b = torch.randn(n, n).to(dtype)
    with torch.inference_mode():
        seconds, calls, spread = timed(lambda: torch.matmul(a, b), args.min_calls, args.min_seconds)
    return n ** 3 / seconds / 1e9, calls


# ----------------------------------------------------------------------------------------------------------------
# Measurements.
# ----------------------------------------------------------------------------------------------------------------

def measure(torch, model_class, config, dtype_name, args, macs):
    torch.manual_seed(0)
    bf16 = dtype_name == "bf16"
    dtype = torch.bfloat16 if bf16 else torch.float32
    enc_macs, dec_macs = macs
    b = args.batch
    record = {
        "side": "pytorch", "variant": config.variant, "image_size": config.image_size, "frames": config.frames,
        "channels": config.channels, "position": config.position, "batch": b, "threads": torch.get_num_threads(),
        "dtype": dtype_name, "bf16_mode": args.bf16_mode if bf16 else None, "attention": args.attention,
        "residual": args.residual if bf16 else None,
        "encode_per_s": None, "decode_per_s": None, "train_steps_per_s": None,
        "matmul_gmacs": None, "encode_gmacs": None, "decode_gmacs": None, "train_gmacs": None,
        "encode_macs_per_item": enc_macs, "decode_macs_per_item": dec_macs,
    }

    def autocast():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 and args.bf16_mode == "autocast" else nullcontext()

    if not args.no_infer:
        model = model_class(config, args.attention, args.residual)
        model.eval()
        if bf16 and args.bf16_mode == "cast":  # weights in bf16, as `vitok bench` converts its model
            model.to(torch.bfloat16)
        in_dtype = torch.bfloat16 if bf16 and args.bf16_mode == "cast" else torch.float32
        pixels = (torch.rand(b, 3, config.frames, config.image_size, config.image_size) * 2 - 1).to(in_dtype)
        latents = torch.randn(b, config.tokens, config.channels).to(in_dtype)

        def encode():
            with autocast():
                return model.encode(pixels)[0]

        def decode():
            with autocast():
                return model.decode(latents)

        with torch.inference_mode():
            t_enc, n_enc, s_enc = timed(encode, args.min_calls, args.min_seconds)
            t_dec, n_dec, s_dec = timed(decode, args.min_calls, args.min_seconds)
        record.update({
            "encode_per_s": b / t_enc, "decode_per_s": b / t_dec,
            "encode_gmacs": enc_macs * b / t_enc / 1e9, "decode_gmacs": dec_macs * b / t_dec / 1e9,
            "encode_calls": n_enc, "decode_calls": n_dec, "encode_spread": s_enc, "decode_spread": s_dec,
        })
        del model, pixels, latents

    if args.train_step:
        t_step, n_step, s_step = measure_train_step(torch, model_class, config, bf16, args)
        record.update({
            "train_steps_per_s": 1 / t_step, "train_calls": n_step, "train_spread": s_step,
            # forward + backward counted as 3 x the forward's multiply-adds (encoder and decoder, per item)
            "train_gmacs": 3 * (enc_macs + dec_macs) * b / t_step / 1e9,
        })

    record["matmul_gmacs"], record["matmul_calls"] = matmul_gmacs(torch, dtype, args)
    for part in ("encode", "decode", "train"):
        if record.get(f"{part}_gmacs") is not None:
            record[f"{part}_ratio"] = record[f"{part}_gmacs"] / record["matmul_gmacs"]
    record["peak_rss_mb"] = peak_rss_mb()
    return record


def measure_train_step(torch, model_class, config, bf16, args):
    """One stage-1 step of TokenizerTrainer (perceptual and L1 weights 0): posterior sample, MSE + 1e-3 KL, AdamW
    (betas 0.9/0.95, eps 1e-8, weight decay 1e-4 on tensors of rank >= 2 only), gradient clipping at 1.0, EMA update
    (decay min(0.9999, (1 + step) / (10 + step))). bf16: the loss under torch.autocast, as our --bf16 trainer."""
    F = torch.nn.functional
    torch.manual_seed(0)
    model = model_class(config, args.attention, args.residual)
    ema = model_class(config, args.attention, args.residual)
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.95), eps=1e-8, foreach=not args.no_foreach)
    ema_params = list(ema.parameters())
    x = torch.rand(args.batch, 3, config.frames, config.image_size, config.image_size) * 2 - 1
    target = x
    noise = torch.Generator().manual_seed(1)
    step = [0]

    def train_step():
        with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext():
            mean, logvar = model.encode(x)
            z = mean + (0.5 * logvar).exp() * torch.randn(mean.shape, generator=noise, dtype=mean.dtype)
            r = model.decode(z).to(torch.float32)
            loss = F.mse_loss(r, target) + 1e-3 * kl(torch, mean, logvar)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        d = min(0.9999, (1.0 + step[0]) / (10.0 + step[0]))
        with torch.no_grad():
            if args.no_foreach:
                for e, p in zip(ema_params, params):
                    e.mul_(d).add_(p, alpha=1 - d)
            else:
                torch._foreach_mul_(ema_params, d)
                torch._foreach_add_(ema_params, params, alpha=1 - d)
        step[0] += 1
        return loss

    return timed(train_step, args.min_calls, args.min_seconds)


# ----------------------------------------------------------------------------------------------------------------
# Parameter parity with `vitok flops --json`, and the C# parity fixture.
# ----------------------------------------------------------------------------------------------------------------

def vitok_flops(vitok, config):
    cmd = shlex.split(vitok) + ["flops", "--variant", config.variant, "--image-size", str(config.image_size),
                                "--channels", str(config.channels), "--frames", str(config.frames),
                                "--position", config.position, "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def check_parity(torch, model_class, config, vitok):
    """Module parameter counts == our formula (mirrored); with `vitok`: == TokenizerCost's counts, and the
    multiply-adds agree to the 4 decimals `vitok flops --json` prints. Returns the JSON record; raises on mismatch."""
    (enc_params, enc_macs), (dec_params, dec_macs) = cost(config)
    torch.manual_seed(0)
    model = model_class(config)
    mod_enc, mod_dec = count_params(model.encoder), count_params(model.decoder)
    record = {"side": "pytorch", "check": "params", "variant": config.variant, "image_size": config.image_size,
              "frames": config.frames, "channels": config.channels, "position": config.position,
              "params": {"encoder": mod_enc, "decoder": mod_dec, "total": mod_enc + mod_dec},
              "macs_per_item": {"encoder": enc_macs, "decoder": dec_macs}}
    problems = []
    if (mod_enc, mod_dec) != (enc_params, dec_params):
        problems.append(f"module {mod_enc}/{mod_dec} != formula {enc_params}/{dec_params}")
    if vitok:
        ours = vitok_flops(vitok, config)
        record["vitok"] = {"encoder": ours["encoder"]["params"], "decoder": ours["decoder"]["params"],
                           "total": ours["total"]["params"],
                           "gflops": {"encoder": ours["encoder"]["gflops"], "decoder": ours["decoder"]["gflops"]}}
        if ours["variant"] != config.variant or ours["tokens"] != config.tokens:
            problems.append(f"vitok parsed {ours['variant']} with {ours['tokens']} tokens, here {config.variant} with {config.tokens}")
        if (ours["encoder"]["params"], ours["decoder"]["params"]) != (mod_enc, mod_dec):
            problems.append(f"vitok params {ours['encoder']['params']}/{ours['decoder']['params']} != module {mod_enc}/{mod_dec}")
        for part, macs in (("encoder", enc_macs), ("decoder", dec_macs)):
            if abs(ours[part]["gflops"] - macs / 1e9) > 5.01e-5:
                problems.append(f"vitok {part} {ours[part]['gflops']} G multiply-adds != {macs / 1e9:.6f} G here")
        record["identical"] = not problems
    record["problems"] = problems
    return record


def write_fixture(torch, model_class, config, folder, batch):
    """A tokenizer file of this model (random weights, names as ours) and its inputs/outputs, for the C# test that
    checks our ViTokAutoEncoder computes the same function (tests/Fixtures/peer)."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    model = model_class(config).eval()
    with torch.no_grad():
        for p in model.parameters():  # perturb norms and biases too, so a swapped weight/bias shows
            if p.dim() < 2:
                p.add_(0.1 * torch.randn(p.shape))
    pixels = torch.rand(batch, 3, config.frames, config.image_size, config.image_size) * 2 - 1
    with torch.inference_mode():
        mean, logvar = model.encode(pixels)
        decoded = model.decode(mean)
        kl_value = kl(torch, mean, logvar)
    name = config.variant.replace("/", "_") + f"-{config.position}"
    write_safetensors(os.path.join(folder, name + ".safetensors"), dict(model.state_dict()), {
        "vitok.kind": "tokenizer", "vitok.config": config.to_json(), "format": "pt",
        "written.by": f"bench/peer/vitok_peer.py --write-fixture, torch {torch.__version__}"})
    write_safetensors(os.path.join(folder, name + ".io.safetensors"),
                      {"pixels": pixels, "mean": mean, "logvar": logvar, "decoded": decoded, "kl": kl_value.reshape(1)},
                      {"config": config.to_json()})
    return name


# ----------------------------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", required=True, help="e.g. S-B/16, T-T/8, S-B/4x8, w144d4-T/8")
    ap.add_argument("--image-size", type=int, default=256)
    ap.add_argument("--channels", "-c", type=int, default=16)
    ap.add_argument("--frames", type=int, default=None, help="default 1 for image variants, 16 for video variants")
    ap.add_argument("--position", default="Rope3D", choices=POSITIONS)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--dtype", default="both", choices=("fp32", "bf16", "both"))
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    ap.add_argument("--train-step", action="store_true", help="also measure one stage-1 training step")
    ap.add_argument("--no-infer", action="store_true", help="skip encode/decode (fields null)")
    ap.add_argument("--min-calls", type=int, default=20, help="timed calls at least (median reported)")
    ap.add_argument("--min-seconds", type=float, default=2.0, help="timed seconds at least, per measurement")
    ap.add_argument("--bf16-mode", default="autocast", choices=("autocast", "cast"),
                    help="bf16 inference under torch.autocast (default; weights re-cast per call), or with the model cast to bf16")
    ap.add_argument("--attention", default="manual", choices=("manual", "sdpa"),
                    help="softmax(q k^T/sqrt(D)) v written out, or torch 1.13's private _scaled_dot_product_attention")
    ap.add_argument("--residual", default="native", choices=("native", "fp32"),
                    help="bf16 autocast: the residual stream in the dtype the tubelet/latent projection returns (bf16, as our "
                         "model runs today), or held in fp32 (what Layers/Autocast.cs's comment describes)")
    ap.add_argument("--no-foreach", action="store_true", help="per-tensor loops in AdamW and EMA instead of foreach kernels")
    ap.add_argument("--check-params", action="store_true", help="print the parameter counts (JSON) and exit; non-zero on mismatch")
    ap.add_argument("--vitok", default=os.environ.get("VITOK"), help="our CLI command for the parity check (`<cmd> flops ... --json`)")
    ap.add_argument("--write-fixture", metavar="FOLDER", help="write a C# parity fixture for this configuration and exit")
    ap.add_argument("--fixture-batch", type=int, default=2)
    args = ap.parse_args(argv)

    try:
        config = Config(args.variant, args.channels, args.image_size, args.frames, args.position)
    except ValueError as e:
        ap.error(str(e))
    if args.batch < 1 or args.min_calls < 1 or args.threads < 0:
        ap.error("--batch and --min-calls must be at least 1, --threads at least 0")

    threads = args.threads or os.cpu_count() or 1
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before torch loads its runtimes
        os.environ[var] = str(threads)
    import torch
    torch.set_num_threads(threads)
    model_class = build_model_classes(torch)

    if args.write_fixture:
        name = write_fixture(torch, model_class, config, args.write_fixture, args.fixture_batch)
        print(json.dumps({"fixture": name, "folder": args.write_fixture}))
        return 0

    parity = check_parity(torch, model_class, config, args.vitok)
    if args.check_params:
        print(json.dumps(parity))
        return 1 if parity["problems"] else 0
    if parity["problems"]:
        print("parameter parity FAILED: " + "; ".join(parity["problems"]), file=sys.stderr)
        return 1

    info = backend_info(torch)
    (enc_params, enc_macs), (dec_params, dec_macs) = cost(config)
    print(f"PyTorch peer: {config.variant} {config.frames}x{config.image_size}x{config.image_size} c={config.channels} "
          f"{config.position}, {enc_params + dec_params} parameters (encoder {enc_params}, decoder {dec_params}"
          + (", identical to vitok flops" if args.vitok else "") + f"), batch {args.batch}, {torch.get_num_threads()} threads",
          file=sys.stderr)
    print(f"torch {info['torch']}; BLAS loaded: {info['blas']} {' '.join(info['blas_library'])}; BLAS_INFO={info['blas_info']}; "
          f"MKL {'yes' if info['mkl'] else 'no'}; oneDNN {info['onednn']}; CPU capability {info['cpu_capability']}; "
          f"parallel {info['parallel']}", file=sys.stderr)

    dtypes = ["fp32", "bf16"] if args.dtype == "both" else [args.dtype]
    for dtype_name in dtypes:
        record = measure(torch, model_class, config, dtype_name, args, (enc_macs, dec_macs))
        if record["matmul_calls"] and dtype_name == dtypes[0]:
            info = backend_info(torch)  # after the first matmul the BLAS library is certainly mapped
        record["params"] = {"encoder": enc_params, "decoder": dec_params}
        record["backend"] = info
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
