namespace ViTok.Models.Clips;

/// <summary>
/// Completeness of a JPEG file from its marker structure: from the start-of-image marker, header segments are
/// skipped by their lengths; after each start-of-scan the entropy-coded data runs to the next marker (a 0xFF byte
/// inside it is followed by 0x00 or a restart marker); a complete file reaches the end-of-image marker (FF D9).
/// A file cut inside its header or image data does not. Bytes after the end-of-image marker are ignored.
/// </summary>
public static class JpegMarkers
{
    public static bool IsComplete(ReadOnlySpan<byte> file)
    {
        if (file.Length < 4 || file[0] != 0xFF || file[1] != 0xD8) return false;
        int i = 2;
        bool inScan = false;
        while (i + 1 < file.Length)
        {
            if (inScan)
            {
                // Entropy-coded data: look for a marker that is not stuffing (FF 00) or a restart (FF D0-D7).
                if (file[i] != 0xFF) { i++; continue; }
                byte next = file[i + 1];
                if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) { i++; continue; }
                inScan = false;
                continue;
            }
            if (file[i] != 0xFF) return false;                  // a header segment must start with a marker
            byte marker = file[i + 1];
            if (marker == 0xFF) { i++; continue; }              // fill bytes
            if (marker == 0xD9) return true;                    // end of image
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }   // markers without a length
            if (i + 3 >= file.Length) return false;
            int length = (file[i + 2] << 8) | file[i + 3];
            if (length < 2) return false;
            i += 2 + length;
            if (marker == 0xDA) inScan = true;                  // start of scan: its header, then entropy-coded data
        }
        return false;
    }
}
