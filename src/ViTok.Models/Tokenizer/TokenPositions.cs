using TorchSharp;
using TorchSharp.Modules;
using ViTok.Models.Layers;
using ViTok.Models.Runtime;
using static TorchSharp.torch;

namespace ViTok.Models.Tokenizer;

/// <summary>
/// Where tokens sit, in the form the configuration asks for: rotary angles handed to every attention layer
/// (Rope3D, Rope1D), or an absolute embedding added once to the tokens (Learned, SinCos).
/// </summary>
public sealed class TokenPositions : nn.Module
{
    private readonly Parameter? pos_embed;   // [1, L, W], only for PositionEncoding.Learned
    private readonly PositionEncoding _mode;
    private readonly TokenGrid _grid;
    private readonly int _width, _headDim;
    private readonly double _theta;

    public TokenPositions(ViTokConfig config, ViTSize size) : base(nameof(TokenPositions))
    {
        _mode = config.Position;
        _grid = config.Grid;
        _width = size.Width;
        _headDim = size.HeadDim;
        _theta = config.RopeTheta;
        if (_mode == PositionEncoding.Learned)
            pos_embed = new Parameter(nn.init.trunc_normal_(empty(1, _grid.Count, _width), std: 0.02));
        RegisterComponents();
    }

    /// <summary>Adds the absolute embedding for <paramref name="grid"/> to x [B, L, W] (returns x itself for RoPE modes).</summary>
    public Tensor AddAbsolute(Tensor x, TokenGrid grid)
    {
        switch (_mode)
        {
            case PositionEncoding.Learned:
                if (grid != _grid)
                    throw new ArgumentException($"This tokenizer uses learned positions for a {_grid} token grid; the input gives a {grid} grid. Resize the input to the configured size.");
                return x.Plus(pos_embed!.to(x.dtype));
            case PositionEncoding.SinCos:
                using (var scope = NewDisposeScope())
                {
                    var embedding = PositionAngles.SineCosine(grid.T, grid.H, grid.W, _width, _theta, x.device).to(x.dtype);   // [L, W]
                    return x.Plus(embedding.unsqueeze(0)).MoveToOuterDisposeScope();
                }
            default:
                return x;
        }
    }

    /// <summary>
    /// Rotary angles for the grid (null for absolute modes), computed on first use for a grid and device and kept
    /// until this module is disposed (a dozen small operations per forward pass otherwise, about 5 % of a single-image
    /// T-T/16 forward). One entry per grid and device seen, L x headDim/2 complex numbers each; none is released
    /// earlier, so a forward on another thread can never hold angles that were freed. Callers must not dispose them.
    /// </summary>
    public RopeAngles? Rope(TokenGrid grid, Device device)
    {
        if (_mode is not (PositionEncoding.Rope3D or PositionEncoding.Rope1D)) return null;
        var key = (grid, device.type, device.index);
        lock (_rope)
        {
            if (_rope.TryGetValue(key, out var kept)) return kept;
            using var scope = NewDisposeScope();
            var positions = _mode == PositionEncoding.Rope3D
                ? PositionAngles.GridPositions(grid.T, grid.H, grid.W, device)
                : PositionAngles.FlatPositions(grid.Count, device);
            var angles = RotaryEmbedding.Create(positions, _headDim, _theta);
            angles.Rotation.DetachFromDisposeScope();
            _rope[key] = angles;
            return angles;
        }
    }

    readonly Dictionary<(TokenGrid Grid, DeviceType Type, int Index), RopeAngles> _rope = [];

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            lock (_rope)
            {
                foreach (var angles in _rope.Values) angles.Rotation.Dispose();
                _rope.Clear();
            }
        base.Dispose(disposing);
    }
}
