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
/// The image stays owned by upstream: valid until the next row is fetched, never disposed by this row.
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

    sealed class SharedImage(DataViewRow input, ValueGetter<MLImage> source)
    {
        MLImage _image = null!;   // handed back to upstream on the next fetch, so it can dispose or reuse it
        long _fetchedFor = -1;

        public void Get(ref MLImage dst)
        {
            long position = input.Position;
            if (position < 0 || position != _fetchedFor)
            {
                source(ref _image);
                _fetchedFor = position;
            }
            dst = _image;
        }
    }
}
