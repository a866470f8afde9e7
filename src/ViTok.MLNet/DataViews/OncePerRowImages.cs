using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ViTok.MLNet.DataViews;

/// <summary>
/// An input row whose image columns are fetched from upstream at most once per row; every other column is the
/// input's own. ML.NET's image getters (LoadImages, ResizeImages) dispose the image they handed out when they are
/// called again, and ResizeImages passes its input through unchanged when it already has the target size, so two
/// readers of one image column in the same row (a pass-through column and a model's input) would each fetch, and
/// the second fetch would dispose the first reader's image ("Object is disposed"). Readers share one fetch here.
/// Upstream can still refetch the image for a column derived from it (ExtractPixels reading the resized image when
/// its pixel column is read), which disposes the image it handed out before; so each fetch is copied at once, and
/// readers get the copy: valid until the next row is fetched or this row is disposed.
/// </summary>
sealed class OncePerRowImages(DataViewRow input) : DataViewRow
{
    readonly Dictionary<int, SharedImage> _images = new();

    public override DataViewSchema Schema => input.Schema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => input.IsColumnActive(input.Schema[column.Index]);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        var own = input.Schema[column.Index];
        if (own.Type is not ImageDataViewType || typeof(TValue) != typeof(MLImage)) return input.GetGetter<TValue>(own);
        if (!_images.TryGetValue(own.Index, out var shared))
            _images[own.Index] = shared = new SharedImage(input, input.GetGetter<MLImage>(own));
        return (ValueGetter<TValue>)(Delegate)(ValueGetter<MLImage>)shared.Get;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var image in _images.Values) image.Dispose();
        base.Dispose(disposing);
    }

    sealed class SharedImage(DataViewRow input, ValueGetter<MLImage> source) : IDisposable
    {
        MLImage _upstream = null!;   // handed back to upstream on the next fetch, so it can dispose or reuse it
        MLImage? _copy;              // what readers get; upstream never sees it
        long _fetchedFor = -1;

        public void Get(ref MLImage dst)
        {
            long position = input.Position;
            if (position < 0 || position != _fetchedFor)
            {
                source(ref _upstream);
                _copy?.Dispose();
                _copy = _upstream is null ? null : Copy(_upstream);
                _fetchedFor = position;
            }
            dst = _copy!;
        }

        public void Dispose()
        {
            _copy?.Dispose();
            _copy = null;
        }
    }

    /// <summary>A copy of <paramref name="image"/> that owns its pixels, with the same tag.</summary>
    public static MLImage Copy(MLImage image)
    {
        var copy = MLImage.CreateFromPixels(image.Width, image.Height, image.PixelFormat, image.Pixels);
        copy.Tag = image.Tag;
        return copy;
    }
}
